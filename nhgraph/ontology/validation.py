"""SHACL validation of nhgraph data with pyshacl: of a whole graph, or of a few focus nodes.

The data graph is the data plus the concept schemes (so that ``sh:class nhg:Function`` can be
checked) plus one ``nhg:ValidationContext`` stating the day validated for. The shapes are read
by :mod:`nhgraph.ontology.shapes`, the report by :mod:`nhgraph.ontology.report`, and a large
graph may be shared out among the workers of :mod:`nhgraph.ontology.parallel`. Validation of a
few focus nodes (an edit) prunes the data graph to those nodes and what is within two links of
them, so it does not pay for the whole of London.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import DCTERMS, RDF, RDFS, SH, XSD
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node as RdfNode

from nhgraph.ontology.batched import BatchPlan, batch_plan, judge_batched, merge_results
from nhgraph.ontology.namespaces import CONCEPT, NHG, PREFIXES
from nhgraph.ontology.parallel import validate_in_workers
from nhgraph.ontology.report import (
    ValidationReport,
    local_name,
    read_report,
    run_pyshacl,
)
from nhgraph.ontology.shapes import (
    concepts_graph,
    hoisted_shapes,
    load_shapes,
    shapes_targeting,
)
from nhgraph.ontology.speedups import PreparedQueryGraph
from nhgraph.schema.registry import HUB_LABELS
from nhgraph.schema.vocabulary import EXPIRY_DAYS

__all__ = [
    "HOPS",
    "add_validation_context",
    "data_graph_for",
    "fields_the_shapes_read",
    "prepare_in_place",
    "subgraph_around",
    "validate_focus",
    "validate_graph",
]

#: How many links from a node the shapes look, at most: an INT's memberships' teams'
#: functions; a neighbourhood's LSOAs' places.
HOPS = 2


def add_validation_context(graph: Graph, on: date) -> None:
    """State the day the data are validated for, so that date rules do not read a clock.

    Shapes such as "an agreement expiring within 90 days" compare with ``nhg:asOf`` of the one
    ``nhg:ValidationContext`` node, which makes validation reproducible for any date.
    """
    context = BNode("validation-context")
    graph.add((context, RDF.type, NHG.ValidationContext))
    graph.add((context, NHG.asOf, Literal(on.isoformat(), datatype=XSD.date)))
    until = on + timedelta(days=EXPIRY_DAYS)
    graph.add((context, NHG.warnUntil, Literal(until.isoformat(), datatype=XSD.date)))


def data_graph_for(data: Graph, on: date) -> Graph:
    """The graph SHACL sees: the data, the concept schemes and the validation context."""
    graph = PreparedQueryGraph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    graph += data
    prepare_in_place(graph, on)
    return graph


def prepare_in_place(graph: Graph, on: date, *, concepts: bool = True) -> None:
    """Add the concept schemes and the validation context to a graph the caller owns.

    Copying a graph of London's size to add a thousand triples costs far more than adding
    them in place (and a concept or context triple already there is simply there again).
    """
    if concepts:
        for triple in concepts_graph():
            graph.add(triple)
    graph.remove((None, NHG.asOf, None))
    graph.remove((None, NHG.warnUntil, None))
    add_validation_context(graph, on)


def validate_graph(
    data: Graph,
    *,
    on: date | None = None,
    extra_shapes: Sequence[Path] = (),
    focus_nodes: Sequence[URIRef] | None = None,
    copy: bool = True,
    workers: int = 1,
    batch_sparql: bool = True,
) -> ValidationReport:
    """Validate an RDF data graph against nhgraph's shapes, for the day ``on`` (today).

    With ``copy=False`` the concept schemes and the validation context are added to ``data``
    itself, which saves copying a large graph that the caller built for validation only.
    With ``workers`` above 1 the node shapes are shared out among forked processes, each
    validating the whole graph against its share (for command-line runs on large graphs; a
    threaded server should not fork). The report graph is then left out (``graph`` is None).
    A whole graph's SPARQL constraints that allow it are asked once of the whole graph, and
    pyshacl judges only the nodes they find (:mod:`nhgraph.ontology.batched`); with
    ``batch_sparql`` false pyshacl asks each one per focus node, as the two paths' test compares.
    """
    extra = tuple(str(p) for p in extra_shapes)
    shapes = load_shapes(extra_shapes)
    checking, owner = hoisted_shapes(extra)
    if copy or not isinstance(data, PreparedQueryGraph):
        graph = data_graph_for(data, on or date.today())
    else:
        graph = data
        prepare_in_place(graph, on or date.today(), concepts=not focus_nodes)
    if focus_nodes:
        classes = frozenset(
            str(cls) for node in focus_nodes for cls in graph.objects(node, RDF.type)
        )
        checking = shapes_targeting(extra, classes)
    plan = _batch_plan(extra) if batch_sparql and not focus_nodes else None
    report_graph: Graph | None
    if workers > 1 and not focus_nodes:
        results = validate_in_workers(
            graph,
            shapes,
            checking if plan is None else plan.rest,
            owner,
            workers,
            meanwhile=None if plan is None else lambda: judge_batched(graph, plan),
        )
        report_graph = None
    else:
        report_graph = run_pyshacl(
            graph, checking if plan is None else plan.rest, None, focus_nodes
        )
        if plan is not None:
            merge_results(report_graph, judge_batched(graph, plan))
        results = read_report(report_graph, graph, shapes)
    if focus_nodes:
        # pyshacl judges only the focus nodes among each shape's targets; a result about
        # another node (a property shape's value) is still left out here.
        wanted = {local_name(node) for node in focus_nodes}
        results = [r for r in results if r.focus_node in wanted]
    return ValidationReport(
        conforms=not any(r.severity == "Violation" for r in results),
        results=results,
        graph=report_graph,
    )


@cache
def _batch_plan(extra: tuple[str, ...]) -> BatchPlan:
    """The batched SPARQL constraints of the whole-graph shapes (their queries parsed once)."""
    return batch_plan(hoisted_shapes(extra)[0])


def fields_the_shapes_read(extra_shapes: Sequence[Path] = ()) -> dict[str, frozenset[str]] | None:
    """For each class, the fields whose predicates the shapes can read, for a graph built only
    to be validated: a triple no shape names (a load time, an MSOA code) changes no result.

    Read from the shapes themselves, over-generously: every IRI the shapes graph names and
    every IRI in its SPARQL queries, with the type, identifier and label that the report reads.
    None (every field) when a shape is closed or a query names a variable predicate.
    """
    return _fields_the_shapes_read(tuple(str(p) for p in extra_shapes))


@cache
def _fields_the_shapes_read(extra: tuple[str, ...]) -> dict[str, frozenset[str]] | None:
    from nhgraph.ontology.batched import _namespaces
    from nhgraph.ontology.rdf import field_kinds
    from nhgraph.schema.models import MODEL_CLASSES, class_name

    shapes = load_shapes([Path(p) for p in extra])
    if (None, SH.closed, None) in shapes:
        return None
    terms = {term for triple in shapes for term in triple if isinstance(term, URIRef)}
    terms |= {RDF.type, DCTERMS.identifier, RDFS.label}
    for constraint, text in shapes.subject_objects(SH.select):
        query = prepareQuery(str(text), initNs=_namespaces(shapes, constraint))
        if not _iris_in(query.algebra, terms):
            return None
    return {
        class_name(cls): frozenset(
            field
            for field, (predicate, _, _) in field_kinds(class_name(cls)).items()
            if predicate in terms
        )
        for cls in MODEL_CLASSES
    }


def _iris_in(node: object, found: set[URIRef]) -> bool:
    """Add the IRIs of a query's algebra to ``found``; False where a triple pattern's predicate
    is a variable (the query may read any predicate)."""
    if isinstance(node, URIRef):
        found.add(node)
    elif isinstance(node, dict):
        if "triples" in node:
            for triple in node["triples"]:  # (s, p, o), or s p o s p o ... in a parse tree
                if any(isinstance(term, Variable) for term in list(triple)[1::3]):
                    return False
        return all(_iris_in(value, found) for key, value in node.items() if key != "_vars")
    elif isinstance(node, list | tuple | set | frozenset):
        return all(_iris_in(value, found) for value in node)
    elif hasattr(node, "args"):  # a property path: its IRIs
        return all(_iris_in(value, found) for value in node.args)
    elif hasattr(node, "arg"):
        return _iris_in(node.arg, found)
    elif hasattr(node, "path"):
        return _iris_in(node.path, found)
    return True


#: The hubs' classes, from the registry: the walk around an edit stops at them.
_HUB_CLASSES = tuple(NHG[label] for label in sorted(HUB_LABELS))


def _is_hub(data: Graph, node: RdfNode) -> bool:
    """Nodes that thousands of others point at: regions, systems, places and concepts."""
    if str(node).startswith(str(CONCEPT)):
        return True
    return any((node, RDF.type, hub) in data for hub in _HUB_CLASSES)


def subgraph_around(data: Graph, nodes: Iterable[URIRef]) -> Graph:
    """The triples within ``HOPS`` links of the nodes, in both directions, with their types.

    Enough for every shape of nhgraph to judge a node, since no rule looks further than
    ``HOPS`` links. This is the RDF half of the two-hop rule: ``edit_surroundings.cypher``
    is the other half, reading from Neo4j the nodes an edit's graph is built from, and it
    stops at the same hubs (what points at a place or a concept is not about the focus).
    """
    focus = set(nodes)
    frontier: set[RdfNode] = set(focus)
    seen: set[RdfNode] = set()
    sub = PreparedQueryGraph()
    for _ in range(HOPS + 1):
        next_frontier: set[RdfNode] = set()
        for node in frontier - seen:
            seen.add(node)
            for triple in data.triples((node, None, None)):
                sub.add(triple)
                if isinstance(triple[2], URIRef | BNode) and triple[1] != RDF.type:
                    next_frontier.add(triple[2])
            if node not in focus and _is_hub(data, node):
                continue  # a place or a concept: what points at it is not about the focus
            for triple in data.triples((None, None, node)):
                sub.add(triple)
                next_frontier.add(triple[0])
        frontier = next_frontier
    for node in frontier - seen:  # the last ring: types and labels only
        for triple in data.triples((node, RDF.type, None)):
            sub.add(triple)
        for p in (NHG.inPlace, NHG.carries, DCTERMS.identifier):
            for triple in data.triples((node, p, None)):
                sub.add(triple)
    return sub


def validate_focus(
    data: Graph,
    focus_nodes: Sequence[URIRef],
    *,
    on: date | None = None,
    extra_shapes: Sequence[Path] = (),
    around: bool = False,
) -> ValidationReport:
    """Validate only these nodes (an edit's), against what lies around them.

    The data graph is pruned to :func:`subgraph_around` the nodes before SHACL runs, unless
    ``around`` says it is that already (an edit reads just the nodes within two links of
    what it touches); only results about the focus nodes are reported.
    """
    sub = (
        data
        if around and isinstance(data, PreparedQueryGraph)
        else subgraph_around(data, focus_nodes)
    )
    known = concepts_graph()
    for concept in {o for o in sub.objects() if str(o).startswith(str(CONCEPT))}:
        for triple in known.triples((concept, None, None)):
            sub.add(triple)
    return validate_graph(
        sub, on=on, extra_shapes=extra_shapes, focus_nodes=focus_nodes, copy=False
    )
