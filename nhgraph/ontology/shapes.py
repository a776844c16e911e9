"""The SHACL shapes: read once, and arranged the way pyshacl runs them fastest.

The shapes are every ``shapes/*.ttl`` file (the London core offer and any place's
``core-offer-E09*.ttl`` among them) and any extra files given, such as a place's own core
offer. The core offer is policy stated once, in the shapes; :func:`core_offer` reads it from
there for the questions that need it as data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import SH
from rdflib.term import Node as RdfNode

from nhgraph.errors import NhgraphError
from nhgraph.ontology.concepts import CONCEPTS_TTL
from nhgraph.ontology.namespaces import SHAPE

SHAPES_DIR = Path(__file__).with_name("shapes")
VOCABULARY_TTL = Path(__file__).with_name("nhgraph.ttl")


class ShapesError(NhgraphError, ValueError):
    """A shapes file that cannot be read: the file and the parser's reason."""

    code = "unreadable_shapes"
    exit_code = 2


def _shape_files(extra: Sequence[Path] = ()) -> list[Path]:
    return sorted(SHAPES_DIR.glob("*.ttl")) + [Path(p) for p in extra]


def load_shapes(extra: Sequence[Path] = ()) -> Graph:
    """The shapes graph: every shapes file, plus extra files (a place's core offer, say)."""
    return _load_shapes(tuple(str(p) for p in extra))


@cache
def _load_shapes(extra: tuple[str, ...]) -> Graph:
    graph = Graph()
    for path in _shape_files([Path(p) for p in extra]):
        try:
            graph.parse(path, format="turtle")
        except Exception as error:  # rdflib raises several parser exception types
            raise ShapesError(f"{path}: cannot be read as Turtle: {error}") from error
    return graph


def shapes_digest(extra: Sequence[Path] = ()) -> str:
    """A short hash of the shapes files' contents (and any extra files'), so that a saved
    validation run says which rules judged it: two runs with one digest ran the same rules."""
    return _shapes_digest(tuple(str(p) for p in extra))


@cache
def _shapes_digest(extra: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for path in _shape_files([Path(p) for p in extra]):
        digest.update(path.name.encode())
        try:
            digest.update(path.read_bytes())
        except OSError as error:
            raise ShapesError(f"{path}: cannot be read: {error}") from error
    return digest.hexdigest()[:16]


@cache
def concepts_graph() -> Graph:
    """The SKOS concept schemes, which a data graph needs for ``sh:class`` on concepts."""
    return Graph().parse(CONCEPTS_TTL, format="turtle")


@cache
def core_offer() -> tuple[dict[str, str | None], ...]:
    """The core offer as the shapes state it: London-wide functions (place None) and each
    place's additions from its ``core-offer-E09*.ttl``."""
    graph = Graph()
    for path in sorted(SHAPES_DIR.glob("core-offer*.ttl")):
        graph.parse(path, format="turtle")
    found: list[dict[str, str | None]] = []
    for predicate, per_place in ((SHAPE.coreFunction, False), (SHAPE.placeCoreFunction, True)):
        for shape, function in graph.subject_objects(predicate):
            place = graph.value(shape, SHAPE.forPlace) if per_place else None
            found.append(
                {
                    "function": str(function).rsplit("/", 1)[-1],
                    "place": str(place).rsplit("/", 1)[-1] if place is not None else None,
                }
            )
    return tuple(sorted(found, key=lambda r: (r["place"] or "", r["function"] or "")))


def untargeted(
    shapes: Graph,
    keep: Callable[[RdfNode, RdfNode], bool],
    kinds: Sequence[RdfNode] = (SH.targetClass,),
) -> Graph:
    """The shapes graph with the targets (of these kinds: class targets unless told) removed
    from the shapes ``keep`` refuses.

    A shape without a target has no focus node and is not run, while everything it is built
    from stays for the shapes that are.
    """
    local = Graph()
    for triple in shapes:
        if triple[1] in kinds and not keep(triple[0], triple[2]):
            continue
        local.add(triple)
    return local


@cache
def shapes_targeting(extra: tuple[str, ...], classes: frozenset[str]) -> Graph:
    """Only the shapes that target the focus nodes' classes keep their targets."""
    hoisted, _ = hoisted_shapes(extra)
    return untargeted(hoisted, lambda _shape, target: str(target) in classes)


@cache
def hoisted_shapes(extra: tuple[str, ...]) -> tuple[Graph, dict[RdfNode, RdfNode]]:
    """The shapes as pyshacl runs them fastest, meaning the same: with each property shape of
    a node shape targeted at a class itself targeted at that class (SHACL 2.1.3).

    pyshacl (0.40) runs a node shape's property shapes once per focus node, building their
    constraints anew each time. A property shape with its own target runs once over all of
    its focus nodes, and reports the same results (the same focus node, path, value and
    source shape). Only plain cases are moved: a node shape whose targets are all
    ``sh:targetClass``, that no other shape refers to and that is not deactivated, and a
    property shape that only such node shapes name and that has no target of its own. Also
    returns, for each moved property shape, the node shape it came from (which worker runs
    it).
    """
    shapes = _load_shapes(extra)
    hoistable: dict[RdfNode, list[RdfNode]] = {}
    for shape in set(shapes.subjects(SH.property, None)):
        classes = list(shapes.objects(shape, SH.targetClass))
        other_targets = any(
            (shape, p, None) in shapes
            for p in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
        )
        if (
            classes
            and not other_targets
            and (None, None, shape) not in shapes
            and (shape, SH.deactivated, None) not in shapes
        ):
            hoistable[shape] = classes
    owner: dict[RdfNode, RdfNode] = {}
    for shape in sorted(hoistable, key=str):
        for prop in shapes.objects(shape, SH.property):
            named_by = set(shapes.subjects(None, prop))
            only_hoistable = all(
                (s, SH.property, prop) in shapes and s in hoistable for s in named_by
            )
            if only_hoistable and (prop, SH.targetClass, None) not in shapes:
                owner.setdefault(prop, shape)
    hoisted = Graph()
    for triple in shapes:
        _subject, predicate, obj = triple
        if predicate == SH.property and obj in owner:
            continue
        hoisted.add(triple)
    for prop in owner:
        for shape in set(shapes.subjects(SH.property, prop)):
            for cls in hoistable[shape]:
                hoisted.add((prop, SH.targetClass, cls))
    return hoisted, owner
