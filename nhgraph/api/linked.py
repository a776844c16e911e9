"""Linked data: nhgraph's IRIs resolve to what they name, by content negotiation.

``GET /id/<kind>/<code>`` (the path of ``https://w3id.org/nhgraph/id/...``) answers with the
node's description: its own triples, in the mapping the export and validation use, and the
label and class of each node or concept it links to (a concise bounded description). The
vocabulary answers at ``/def`` (``https://w3id.org/nhgraph/def`` and every ``def#Term``), a
concept scheme at ``/def/<scheme>``, a concept at ``/def/<scheme>/<concept>``, and the shapes
at ``/shapes``.

The format is chosen from the Accept header (q-values, the most specific range deciding) or a
``?format=`` that overrides it: Turtle (also for no Accept or ``*/*``), JSON-LD, N-Triples, or
HTML. For HTML an LSOA and a postcode are sent on (303) to the web app's page about them (the
map, and who serves a resident), which any caller may open; every other node, the vocabulary
and the shapes answer with a small page of their triples, linking to the web app's page where
there is one (a place's gaps, an INT's data sharing, which ask for a key). Every answer says
``Vary: Accept``.

Roles hold as in GraphQL, through :func:`nhgraph.export.rdf.visible`: a data-sharing
agreement is shown only to governance and admin, and to anyone else it is not there (404, not
403, so that a caller cannot learn which agreements exist by asking); no description shows a
link to one, nor a professional's name, to the public.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD
from rdflib.term import Literal
from rdflib.term import Node as RdfNode
from starlette.concurrency import run_in_threadpool

from nhgraph.access import Principal, Unauthenticated, principal_for
from nhgraph.config import Settings
from nhgraph.export.formats import MEDIA_TYPES, RdfFormat
from nhgraph.export.rdf import serialize, visible, vocabulary_graph
from nhgraph.ontology.namespaces import CONCEPT, PREFIXES
from nhgraph.ontology.rdf import add_record, field_kinds, new_graph, node_iri
from nhgraph.ontology.shapes import VOCABULARY_TTL, concepts_graph, load_shapes
from nhgraph.schema.identifiers import normalise_postcode
from nhgraph.schema.registry import BY_LABEL, CONCEPT_LABELS, IRI_SEGMENTS
from nhgraph.store import read_records_of
from nhgraph.store.db import Database, DatabaseError
from nhgraph.store.reader import linked_from

#: The HTML answer, beside the RDF formats.
HTML = "html"
#: The formats in the order the server prefers them when a client likes several equally.
PREFERENCE: tuple[str, ...] = (RdfFormat.turtle, RdfFormat.jsonld, RdfFormat.ntriples, HTML)
#: The media types each format answers to (the first is the one it is sent as).
ACCEPTED: Mapping[str, tuple[str, ...]] = {
    RdfFormat.turtle: (MEDIA_TYPES[RdfFormat.turtle],),
    RdfFormat.jsonld: (MEDIA_TYPES[RdfFormat.jsonld], "application/json"),
    RdfFormat.ntriples: (MEDIA_TYPES[RdfFormat.ntriples],),
    HTML: ("text/html", "application/xhtml+xml"),
}
#: What ``?format=`` may say, and the format each word means.
FORMAT_WORDS: Mapping[str, str] = {
    "turtle": RdfFormat.turtle,
    "ttl": RdfFormat.turtle,
    "jsonld": RdfFormat.jsonld,
    "json-ld": RdfFormat.jsonld,
    "ntriples": RdfFormat.ntriples,
    "nt": RdfFormat.ntriples,
    "html": HTML,
}
#: Bounds on what a caller sends: the Accept header's ranges read, and an IRI path's length.
MAX_ACCEPT_RANGES = 32
MAX_PATH = 300

#: The class of each kind of IRI (``/id/<segment>/...``).
LABEL_BY_SEGMENT: Mapping[str, str] = {segment: label for label, segment in IRI_SEGMENTS.items()}
#: The web app's page about a node, by class: (route, parameter, whether anyone may open it).
WEB_PAGES: Mapping[str, tuple[str, str, bool]] = {
    "Lsoa": ("map", "lsoa", True),
    "Postcode": ("resident", "postcode", True),
    "Place": ("gaps", "place", False),
    "Int": ("sharing", "int", False),
}


class NotAcceptable(ValueError):
    """The caller accepts none of the formats served (406), or named one that is not (400)."""

    def __init__(self, message: str, status: int = 406) -> None:
        """The refusal, with its status code."""
        super().__init__(message)
        self.status = status


def _ranges(accept: str) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their q-values (at most MAX_ACCEPT_RANGES);
    a malformed q counts as 0, so a range the caller garbled is never chosen."""
    ranges = []
    for part in accept.split(",")[:MAX_ACCEPT_RANGES]:
        media, *parameters = (piece.strip() for piece in part.split(";"))
        if not media:
            continue
        q = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((media.lower(), q))
    return ranges


def _quality(media: str, ranges: Sequence[tuple[str, float]]) -> float:
    """How much the caller wants one media type: the q of the most specific range matching it
    (``text/turtle`` before ``text/*`` before ``*/*``), 0 when none does."""
    kind = media.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for given, q in ranges:
        specificity = (
            2 if given == media else 1 if given == f"{kind}/*" else 0 if given == "*/*" else -1
        )
        if specificity > best[0]:
            best = (specificity, q)
    return best[1]


def negotiate(accept: str | None, override: str | None) -> str:
    """The format to answer in: ``?format=`` if given, else the Accept header's best (Turtle
    when there is none). NotAcceptable when nothing served is acceptable."""
    if override is not None:
        chosen = FORMAT_WORDS.get(override.strip().lower()[:20])
        if chosen is None:
            raise NotAcceptable(
                f"format={override[:20]!r} is not one served ({', '.join(FORMAT_WORDS)})", 400
            )
        return chosen
    ranges = _ranges(accept[:4096]) if accept and accept.strip() else [("*/*", 1.0)]
    scored = [
        (max(_quality(media, ranges) for media in ACCEPTED[name]), -order, name)
        for order, name in enumerate(PREFERENCE)
    ]
    q, _, name = max(scored)
    if q <= 0:
        served = ", ".join(ACCEPTED[name][0] for name in PREFERENCE)
        raise NotAcceptable(
            f"none of the formats accepted ({(accept or '')[:200]!r}) is served here; ask "
            f"for one of {served} (or add ?format=turtle|jsonld|ntriples|html)"
        )
    return name


@dataclass(frozen=True)
class NodeKey:
    """A node named by an IRI path: its class and id."""

    label: str
    id: str


def node_key(segment: str, rest: str) -> NodeKey | None:
    """The node an ``/id/<segment>/<rest>`` path names, or None when it can name none."""
    label = LABEL_BY_SEGMENT.get(segment)
    if label is None or not rest or len(rest) > MAX_PATH:
        return None
    if label == "Organisation":
        scheme, _, code = rest.partition("/")
        return NodeKey(label, f"{scheme}:{code}") if scheme and code else None
    if "/" in rest:
        return None
    if label == "Postcode":
        try:
            return NodeKey(label, normalise_postcode(rest))
        except ValueError:
            return None
    return NodeKey(label, rest)


def _name_of(record: Mapping[str, Any]) -> str | None:
    name = record.get("name") or record.get("label")
    return str(name) if name else None


def describe_node(database: Database, key: NodeKey, principal: Principal) -> Graph | None:
    """The node's description for this principal (None when it is not stored or the principal
    may not see it): its triples, and the label and class of each node it links to."""
    cls = BY_LABEL[key.label]
    found = read_records_of(database, cls, [key.id]).get(key.id)
    record = visible(key.label, found, principal) if found is not None else None
    if record is None:
        return None
    graph = new_graph()
    add_record(graph, key.label, record)
    targets: dict[str, set[str]] = {}
    for name, link in cls.links().items():
        value = record.get(name)
        for item in value if isinstance(value, list) else [] if value is None else [value]:
            targets.setdefault(link.target, set()).add(str(item))
    concepts = concepts_graph()
    for label, ids in sorted(targets.items()):
        if label in CONCEPT_LABELS:
            for node_id in ids:
                iri = node_iri(label, node_id)
                for p in (RDF.type, SKOS.prefLabel):
                    for o in concepts.objects(iri, p):
                        graph.add((iri, p, o))
            continue
        for node_id, linked in read_records_of(database, BY_LABEL[label], ids).items():
            shown = visible(label, linked, principal)
            if shown is None:
                continue
            iri = node_iri(label, node_id)
            graph.add((iri, RDF.type, PREFIXES["nhg"][label]))
            shown_name = _name_of(shown)
            if shown_name:
                graph.add((iri, RDFS.label, Literal(shown_name, datatype=XSD.string)))
    _add_incoming(database, graph, key, principal)
    _label_classes(graph)
    return graph


#: How many nodes of each kind linking to a node its description lists (a place has hundreds
#: of LSOAs; the description names the first, by id, and says how many there are in all).
INCOMING_SHOWN = 100


def _add_incoming(database: Database, graph: Graph, key: NodeKey, principal: Principal) -> None:
    """The links into the node from nodes the principal may see: ``(other, predicate, node)``
    with each other node's class and name, at most INCOMING_SHOWN of each kind."""
    subject = node_iri(key.label, key.id)
    for rel, from_label, ids, total in linked_from(
        database, BY_LABEL[key.label], key.id, INCOMING_SHOWN
    ):
        from_cls = BY_LABEL.get(from_label)
        if from_cls is None or from_cls.is_concept:
            continue  # not a node of the model (a change or finding record)
        fields = [
            name
            for name, link in from_cls.links().items()
            if link.rel == rel and link.target == key.label
        ]
        if not fields:
            continue
        predicate = field_kinds(from_label)[fields[0]][0]
        for node_id, linked in read_records_of(database, from_cls, ids).items():
            shown = visible(from_label, linked, principal)
            if shown is None:
                continue
            iri = node_iri(from_label, node_id)
            graph.add((iri, predicate, subject))
            graph.add((iri, RDF.type, PREFIXES["nhg"][from_label]))
            shown_name = _name_of(shown)
            if shown_name:
                graph.add((iri, RDFS.label, Literal(shown_name, datatype=XSD.string)))
        if total > len(ids):
            graph.add(
                (
                    subject,
                    RDFS.comment,
                    Literal(
                        f"{total} {from_label} nodes link to it by {predicate}; the first "
                        f"{len(ids)} by id are listed",
                        datatype=XSD.string,
                    ),
                )
            )


def _label_classes(graph: Graph) -> None:
    """Add the vocabulary's label of each class the description uses."""
    vocabulary = vocabulary_graph()
    for cls in set(graph.objects(None, RDF.type)):
        for label in vocabulary.objects(cls, RDFS.label):
            graph.add((cls, RDFS.label, label))


@cache
def _ontology() -> Graph:
    return Graph().parse(VOCABULARY_TTL, format="turtle")


def describe_vocabulary() -> Graph:
    """The vocabulary (nhgraph.ttl) as served at /def: its classes and properties; the concept
    schemes answer at their own IRIs below it."""
    graph = new_graph()
    graph += _ontology()
    return graph


def describe_concept(path: str) -> Graph | None:
    """A concept scheme (``/def/<scheme>``: its triples and its concepts' labels) or a concept
    (``/def/<scheme>/<concept>``: its triples and its scheme's label), or None."""
    if len(path) > MAX_PATH:
        return None
    iri = CONCEPT[path]
    concepts = concepts_graph()
    if (iri, None, None) not in concepts:
        return None
    graph = new_graph()
    for p, o in concepts.predicate_objects(iri):
        graph.add((iri, p, o))
        if isinstance(o, URIRef):
            for label in concepts.objects(o, SKOS.prefLabel):
                graph.add((o, SKOS.prefLabel, label))
    for member in concepts.subjects(SKOS.inScheme, iri):
        graph.add((member, SKOS.inScheme, iri))
        for label in concepts.objects(member, SKOS.prefLabel):
            graph.add((member, SKOS.prefLabel, label))
    _label_classes(graph)
    return graph


def describe_shapes() -> Graph:
    """The SHACL shapes, as served at /shapes."""
    graph = new_graph()
    graph += load_shapes()
    return graph


# -- answers ----------------------------------------------------------------------------------


def _local(iri: RdfNode) -> str | None:
    """The path on this service of one of nhgraph's IRIs, or None for another's."""
    text = str(iri)
    base = "https://w3id.org/nhgraph/"
    if not isinstance(iri, URIRef) or not text.startswith(base):
        return None
    return "/" + text.removeprefix(base).split("#")[0]


def _term_html(graph: Graph, term: RdfNode) -> str:
    if isinstance(term, Literal):
        return html.escape(str(term))
    shown = (
        graph.namespace_manager.normalizeUri(term).strip("<>")
        if isinstance(term, URIRef)
        else str(term)
    )
    labels = [str(label) for label in graph.objects(term, RDFS.label)] + [
        str(label) for label in graph.objects(term, SKOS.prefLabel)
    ]
    text = html.escape(shown) + (f" ({html.escape(labels[0])})" if labels else "")
    local = _local(term)
    return f'<a class="nhsuk-link" href="{html.escape(local)}">{text}</a>' if local else text


def html_page(graph: Graph, subject: URIRef, title: str, page: str | None) -> str:
    """A small page of a description's triples, subject first, in the web app's styles."""
    subjects = [subject, *sorted({s for s in graph.subjects() if s != subject}, key=str)]
    sections = []
    for node in subjects:
        rows = "".join(
            f"<tr><td>{_term_html(graph, p)}</td><td>{_term_html(graph, o)}</td></tr>"
            for p, o in sorted(graph.predicate_objects(node), key=lambda po: (str(po[0]), po[1]))
        )
        if rows:
            sections.append(
                f"<h2>{_term_html(graph, node)}</h2>"
                f'<table class="nhsuk-table"><tbody>{rows}</tbody></table>'
            )
    web = (
        f'<p><a class="nhsuk-link" href="{html.escape(page)}">Open it in the web app</a> '
        "(with a key of a role that may see that page).</p>"
        if page
        else ""
    )
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}: nhgraph</title>"
        '<link rel="stylesheet" href="/static/vendor/nhsuk-frontend.min.css">'
        '<link rel="stylesheet" href="/static/app.css"></head>'
        '<body><main class="nhsuk-width-container nhsuk-main-wrapper" id="maincontent">'
        f"<h1>{html.escape(title)}</h1><p><code>{html.escape(str(subject))}</code></p>{web}"
        f"{''.join(sections)}"
        '<p>Also as <a href="?format=turtle">Turtle</a>, <a href="?format=jsonld">JSON-LD</a>, '
        '<a href="?format=ntriples">N-Triples</a>.</p></main></body></html>'
    )


def _answer(
    graph: Graph, chosen: str, subject: URIRef, title: str, page: str | None = None
) -> Response:
    headers = {"Vary": "Accept"}
    if chosen == HTML:
        body = html_page(graph, subject, title, page)
        return Response(body, media_type="text/html; charset=utf-8", headers=headers)
    rdf_format = RdfFormat(chosen)
    media = MEDIA_TYPES[rdf_format]
    charset = "" if rdf_format is RdfFormat.jsonld else "; charset=utf-8"
    return Response(serialize(graph, rdf_format), media_type=media + charset, headers=headers)


def _refusal(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        message + "\n",
        status_code=status,
        media_type="text/plain; charset=utf-8",
        headers={"Vary": "Accept", **(headers or {})},
    )


def router(settings: Settings, database: Database) -> APIRouter:
    """The linked-data routes (/id/..., /def, /def/..., /shapes) for this API."""
    routes = APIRouter(include_in_schema=False)

    def chosen_for(request: Request) -> str:
        return negotiate(request.headers.get("accept"), request.query_params.get("format"))

    @routes.get("/id/{segment}/{rest:path}")
    async def node(segment: str, rest: str, request: Request) -> Response:
        try:
            principal = principal_for(settings, request.headers)
            chosen = chosen_for(request)
        except Unauthenticated as error:
            return _refusal(401, str(error), {"WWW-Authenticate": "Bearer"})
        except NotAcceptable as error:
            return _refusal(error.status, str(error))
        key = node_key(segment, rest)
        missing = f"nothing is known at {request.url.path[:MAX_PATH]}"
        if key is None:
            return _refusal(404, missing)
        try:
            graph = await run_in_threadpool(describe_node, database, key, principal)
        except DatabaseError:
            return _refusal(503, "the graph is unavailable just now; try again shortly")
        if graph is None:
            return _refusal(404, missing)
        subject = node_iri(key.label, key.id)
        page = None
        if key.label in WEB_PAGES:
            route, parameter, public = WEB_PAGES[key.label]
            page = f"/#/{route}?{parameter}={quote(key.id)}"
            if chosen == HTML and public:
                return Response(status_code=303, headers={"Location": page, "Vary": "Accept"})
        name = next((str(o) for o in graph.objects(subject, RDFS.label)), key.id)
        return _answer(graph, chosen, subject, f"{key.label} {name}", page)

    @routes.get("/def")
    async def vocabulary(request: Request) -> Response:
        try:
            chosen = chosen_for(request)
        except NotAcceptable as error:
            return _refusal(error.status, str(error))
        graph = describe_vocabulary()
        return _answer(graph, chosen, URIRef("https://w3id.org/nhgraph/def"), "nhgraph vocabulary")

    @routes.get("/def/{path:path}")
    async def concept(path: str, request: Request) -> Response:
        try:
            chosen = chosen_for(request)
        except NotAcceptable as error:
            return _refusal(error.status, str(error))
        if not path.strip("/"):
            return await vocabulary(request)
        graph = describe_concept(path.rstrip("/"))
        if graph is None:
            return _refusal(404, f"no concept scheme or concept at /def/{path[:MAX_PATH]}")
        subject = CONCEPT[path.rstrip("/")]
        name = next((str(o) for o in graph.objects(subject, SKOS.prefLabel)), path)
        return _answer(graph, chosen, subject, name)

    @routes.get("/shapes")
    async def shapes(request: Request) -> Response:
        try:
            chosen = chosen_for(request)
        except NotAcceptable as error:
            return _refusal(error.status, str(error))
        graph = describe_shapes()
        return _answer(graph, chosen, URIRef("https://w3id.org/nhgraph/shapes"), "nhgraph shapes")

    return routes


__all__ = ["NotAcceptable", "describe_node", "negotiate", "node_key", "router"]
