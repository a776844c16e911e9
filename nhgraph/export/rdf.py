"""``nhgraph export rdf``: the stored graph as linked data, in nhgraph's own vocabulary.

The mapping is the one validation uses (:func:`nhgraph.ontology.rdf.records_to_graph` over the
store's plain records), so the export is what ``nhgraph validate --stored`` judges, with each
node's provenance kept (``dcterms:source``, ``prov:generatedAtTime``) and, unless left out, the
vocabulary (``nhgraph.ttl``) and its concept schemes (``concepts.ttl``), which make the file
conform to the shapes on its own. Turtle and JSON-LD are written from one rdflib graph of the
whole export; N-Triples are streamed, a page of one class at a time, so their memory does not
grow with the graph.

Who the export is for decides what is in it: everything for the operator at the command line,
and only what the public role may read with ``--public`` (no data-sharing agreements, no
professional's name). The same rule, :func:`visible`, decides what the linked-data API shows.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO, Any

from rdflib import Graph

from nhgraph.access import OPERATOR, Principal
from nhgraph.export.formats import MEDIA_TYPES, RdfFormat

__all__ = ["MEDIA_TYPES", "RdfFormat", "export_graph", "export_rdf", "visible", "write_rdf"]
from nhgraph.ontology.concepts import CONCEPTS_TTL
from nhgraph.ontology.namespaces import PREFIXES
from nhgraph.ontology.rdf import new_graph, records_to_graph
from nhgraph.ontology.shapes import VOCABULARY_TTL
from nhgraph.schema.models import MODEL_CLASSES, class_name
from nhgraph.schema.registry import BY_LABEL
from nhgraph.store import read_record_pages
from nhgraph.store.db import Database

#: The records a page of the N-Triples stream holds: a few megabytes of Python at most.
PAGE_SIZE = 5000


#: Each format's name for rdflib's serializers.
_RDFLIB_FORMATS: Mapping[RdfFormat, str] = {
    RdfFormat.turtle: "turtle",
    RdfFormat.jsonld: "json-ld",
    RdfFormat.ntriples: "nt",
}

#: The classes a role that may not read agreements never sees, nor any link to.
AGREEMENT_LABELS = frozenset({"DataSharingAgreement"})
#: The fields that name a professional, for the roles that may read them.
NAMED_PROFESSIONAL_FIELDS: Mapping[str, frozenset[str]] = {"Post": frozenset({"holder_name"})}


def jsonld_context() -> dict[str, str]:
    """The JSON-LD ``@context`` the export writes: nhgraph's prefixes, so that terms read
    ``nhg:inPlace`` rather than the whole IRI."""
    return {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


def hidden_labels(principal: Principal) -> frozenset[str]:
    """The classes whose nodes (and links to them) the principal may not see."""
    return frozenset() if principal.may_read_agreements() else AGREEMENT_LABELS


def visible(label: str, record: Mapping[str, Any], principal: Principal) -> dict[str, Any] | None:
    """The part of a stored record the principal may see, or None when the node is hidden:
    agreements only for governance and admin, a professional's name only with a key, and no
    link to a hidden node."""
    hidden = hidden_labels(principal)
    if label in hidden:
        return None
    shown = dict(record)
    if not principal.may_read_named_professionals():
        for name in NAMED_PROFESSIONAL_FIELDS.get(label, ()):
            shown.pop(name, None)
    if hidden:
        for name, link in BY_LABEL[label].links().items():
            if link.target in hidden:
                shown[name] = [] if isinstance(shown.get(name), list) else None
    return shown


@cache
def vocabulary_graph() -> Graph:
    """The vocabulary and its concept schemes, as one graph (read once)."""
    graph = Graph()
    graph.parse(VOCABULARY_TTL, format="turtle")
    graph.parse(CONCEPTS_TTL, format="turtle")
    return graph


@dataclass
class RdfExport:
    """What an export wrote: the triples, and the nodes by class."""

    format: RdfFormat
    triples: int = 0
    nodes: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        """One line for the operator: how much was written."""
        return (
            f"{self.triples} triples, {sum(self.nodes.values())} nodes "
            f"({len(self.nodes)} classes) as {self.format.value}"
        )


def _pages(database: Database, principal: Principal) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """The stored records the principal may see, a page of one class at a time."""
    for cls in MODEL_CLASSES:
        label = class_name(cls)
        if cls.is_concept or label in hidden_labels(principal):
            continue
        for page in read_record_pages(database, cls, PAGE_SIZE):
            shown = [r for r in (visible(label, record, principal) for record in page) if r]
            if shown:
                yield label, shown


def export_graph(
    database: Database, *, principal: Principal = OPERATOR, vocabulary: bool = True
) -> tuple[Graph, Counter[str]]:
    """The whole export as one rdflib graph (for Turtle and JSON-LD), and its nodes by class."""
    graph = new_graph()
    nodes: Counter[str] = Counter()
    for label, page in _pages(database, principal):
        records_to_graph({label: page}, graph, provenance=True)
        nodes[label] += len(page)
    if vocabulary:
        graph += vocabulary_graph()
    return graph, nodes


def serialize(graph: Graph, rdf_format: RdfFormat) -> bytes:
    """A graph in one of the export's formats, as UTF-8."""
    if rdf_format is RdfFormat.jsonld:
        return graph.serialize(format="json-ld", context=jsonld_context(), encoding="utf-8")
    return graph.serialize(format=_RDFLIB_FORMATS[rdf_format], encoding="utf-8")


def write_rdf(
    database: Database,
    out: IO[bytes],
    rdf_format: RdfFormat,
    *,
    principal: Principal = OPERATOR,
    vocabulary: bool = True,
) -> RdfExport:
    """Write the stored graph to a binary stream; N-Triples a page at a time as it is read."""
    done = RdfExport(rdf_format)
    if rdf_format is not RdfFormat.ntriples:
        graph, done.nodes = export_graph(database, principal=principal, vocabulary=vocabulary)
        done.triples = len(graph)
        out.write(serialize(graph, rdf_format))
        return done
    pieces: Iterable[Graph] = _ntriples_pieces(database, principal, done)
    if vocabulary:
        pieces = _with_first(vocabulary_graph(), pieces)
    for piece in pieces:
        # A triple repeated across pieces (none is: each node's triples are in its page, and
        # the vocabulary's are about the vocabulary) would only be repeated, which N-Triples
        # allows.
        done.triples += len(piece)
        out.write(piece.serialize(format="nt", encoding="utf-8"))
    return done


def _with_first(first: Graph, rest: Iterable[Graph]) -> Iterator[Graph]:
    yield first
    yield from rest


def _ntriples_pieces(database: Database, principal: Principal, done: RdfExport) -> Iterator[Graph]:
    for label, page in _pages(database, principal):
        done.nodes[label] += len(page)
        yield records_to_graph({label: page}, Graph(bind_namespaces="none"), provenance=True)


def export_rdf(
    database: Database,
    path: Path,
    rdf_format: RdfFormat,
    *,
    principal: Principal = OPERATOR,
    vocabulary: bool = True,
) -> RdfExport:
    """Write the export to a file, all or nothing: into a temporary file beside it, renamed
    over the path only once complete, so that a failed export leaves what was there."""
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"{path}: the folder {folder} does not exist")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            done = write_rdf(database, out, rdf_format, principal=principal, vocabulary=vocabulary)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return done
