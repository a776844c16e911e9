"""SPARQL constraints asked once of the whole graph, instead of once per focus node.

pyshacl (0.40) runs a node shape's ``sh:sparql`` constraint once per focus node, with ``$this``
pre-bound, and checks the query's text with regular expressions each time: England's 33,755
LSOAs made ``nhgsh:Lsoa-system-of-its-place`` alone tens of thousands of queries, and the
SPARQL constraints four fifths of a full validation. Where a query's algebra lets ``$this`` be
bound by the query itself with the same solutions (:func:`batchable_query`), it is asked once
with ``$this`` free: the focus nodes among its solutions' ``$this`` are exactly those pre-binding
would find violating. pyshacl then judges those few nodes only, against the original shape, so
each result (message, value, path, severity) is pyshacl's own, as before.

A query is batched only when every mention of ``$this`` sits where the solutions are the same
either way: in a triple pattern of the query's required part (a basic graph pattern reached
through joins, the left side of OPTIONALs, FILTERs, BINDs and the projection, which must name
``$this``), or in a FILTER, BIND or OPTIONAL over a part that binds ``$this`` in every solution.
Anything else (a FILTER NOT EXISTS about an unbound ``$this``, UNION, MINUS, sub-selects,
aggregates, ``$currentShape``, ``$shapesGraph``, ``$PATH``) is left to pyshacl as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node as RdfNode

from nhgraph.ontology.report import run_pyshacl

THIS = Variable("this")
_FALSE = Literal(False, datatype=XSD.boolean)
#: Variables pyshacl pre-binds (or refuses) besides $this in a node shape's constraint (``$value``
#: is pre-bound only in a property shape's, which is never batched): a query naming one is not.
_OTHER_BOUND = frozenset({Variable("currentShape"), Variable("shapesGraph")})
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
#: What a batched node shape may say besides its one SPARQL constraint: its property shapes
#: and targets run as before, and nothing else of it is a constraint.
_SHAPE_TERMS = frozenset(
    {
        RDF.type,
        SH.sparql,
        SH.property,
        SH.severity,
        SH.message,
        SH.name,
        SH.description,
        RDFS.label,
        RDFS.comment,
        *TARGETS,
    }
)


@dataclass(frozen=True)
class BatchedConstraint:
    """A node shape's SPARQL constraint that is asked once of the whole graph."""

    shape: URIRef
    constraint: URIRef
    query: Query


def _mentions(node: Any, names: frozenset[Variable] = frozenset({THIS})) -> bool:
    """Whether a part of a query's algebra names one of these variables anywhere inside it."""
    if isinstance(node, Variable):
        return node in names
    if isinstance(node, dict):  # CompValue and Expr are dicts of their parts
        return any(_mentions(value, names) for key, value in node.items() if key != "_vars")
    if isinstance(node, list | tuple | set | frozenset):
        return any(_mentions(value, names) for value in node)
    return False


def _always_bound(part: CompValue) -> set[Variable]:
    """The variables every solution of this part binds (an under-estimate is safe)."""
    name = part.name
    if name == "BGP":
        return {term for triple in part.triples for term in triple if isinstance(term, Variable)}
    if name == "Join":
        return _always_bound(part.p1) | _always_bound(part.p2)
    if name in ("LeftJoin",):
        return _always_bound(part.p1)
    if name in ("Filter", "Extend"):
        return _always_bound(part.p)
    if name == "Project":
        return _always_bound(part.p) & set(part.PV)
    return set()


def _safe(part: CompValue) -> bool:
    """Whether the part's solutions with ``$this`` free, kept where ``$this`` is the focus node,
    are its solutions with ``$this`` pre-bound to it (rdflib evaluates FILTERs, BINDs and the
    right side of OPTIONALs against each solution of the part they apply to)."""
    name = part.name
    if name == "BGP":
        return True
    if name == "Join":
        return _safe(part.p1) and _safe(part.p2)
    if name == "LeftJoin":
        later = _mentions(part.p2) or _mentions(part.get("expr"))
        return _safe(part.p1) and (not later or THIS in _always_bound(part.p1))
    if name in ("Filter", "Extend"):
        return _safe(part.p) and (not _mentions(part.expr) or THIS in _always_bound(part.p))
    if name == "Project":
        return _safe(part.p)
    return False


def batchable_query(query: Query) -> bool:
    """Whether a SPARQL constraint's query may be asked once with ``$this`` free (see above)."""
    algebra = query.algebra
    if algebra.name != "SelectQuery" or _mentions(algebra.p, _OTHER_BOUND):
        return False
    root = algebra.p
    return (
        root.name == "Project" and THIS in root.PV and _safe(root) and THIS in _always_bound(root)
    )


def _namespaces(shapes: Graph, constraint: RdfNode) -> dict[str, str]:
    """The prefixes a SPARQL constraint declares (``sh:prefixes`` to ``sh:declare``)."""
    found: dict[str, str] = {}
    for ontology in shapes.objects(constraint, SH.prefixes):
        for declared in shapes.objects(ontology, SH.declare):
            prefix = shapes.value(declared, SH.prefix)
            namespace = shapes.value(declared, SH.namespace)
            if prefix is not None and namespace is not None:
                found[str(prefix)] = str(namespace)
    return found


def batchable_constraints(shapes: Graph) -> list[BatchedConstraint]:
    """The SPARQL constraints of the shapes that are asked once of the whole graph: a node
    shape's only ``sh:sparql``, of a shape no other shape refers to, neither deactivated, whose
    query :func:`batchable_query` accepts."""
    found = []
    for shape in sorted({s for s in shapes.subjects(SH.sparql, None)}, key=str):
        constraints = list(shapes.objects(shape, SH.sparql))
        if (
            not isinstance(shape, URIRef)
            or len(constraints) != 1
            or not isinstance(constraints[0], URIRef)
            or (shape, SH.target, None) in shapes
            or (shape, SH.path, None) in shapes
            or (None, None, shape) in shapes
            or any(p not in _SHAPE_TERMS for p in shapes.predicates(shape, None))
            or any((node, SH.deactivated, None) in shapes for node in (shape, constraints[0]))
        ):
            continue
        [constraint] = constraints
        text = shapes.value(constraint, SH.select)
        if text is None or "$PATH" in str(text) or "?PATH" in str(text):
            continue
        try:
            query = prepareQuery(str(text), initNs=_namespaces(shapes, constraint))
        except Exception:
            continue
        if isinstance(constraint, URIRef) and batchable_query(query):
            found.append(BatchedConstraint(shape, constraint, query))
    return found


def without_batched(shapes: Graph, batched: Sequence[BatchedConstraint]) -> Graph:
    """The shapes with the batched constraints taken off their shapes (their property shapes and
    targets stay), for pyshacl's run over every focus node."""
    if not batched:
        return shapes
    dropped = {(b.shape, SH.sparql, b.constraint) for b in batched}
    local = Graph()
    for triple in shapes:
        if triple not in dropped:
            local.add(triple)
    return local


def focus_nodes(graph: Graph, shapes: Graph, shape: RdfNode) -> set[RdfNode]:
    """A shape's focus nodes in the data graph, by its targets (SHACL 2.1.3; a class target
    reaches the instances of its subclasses)."""
    found: set[RdfNode] = set()
    for cls in shapes.objects(shape, SH.targetClass):
        for sub in graph.transitive_subjects(RDFS.subClassOf, cls):
            found.update(graph.subjects(RDF.type, sub))
    found.update(shapes.objects(shape, SH.targetNode))
    for predicate in shapes.objects(shape, SH.targetSubjectsOf):
        found.update(graph.subjects(predicate, None))
    for predicate in shapes.objects(shape, SH.targetObjectsOf):
        found.update(graph.objects(None, predicate))
    return found


def candidates(graph: Graph, shapes: Graph, batched: BatchedConstraint) -> set[RdfNode]:
    """The focus nodes the constraint's query finds, asked once with ``$this`` free."""
    rows = graph.query(batched.query)
    found = {row[THIS] for row in rows if row[THIS] is not None}  # type: ignore[call-overload,index]
    if not found:
        return set()
    return found & focus_nodes(graph, shapes, batched.shape)


def _only_targeting(shapes: Graph, kept: set[RdfNode]) -> Graph:
    """The shapes with every target removed but those of these shapes."""
    local = Graph()
    for triple in shapes:
        if triple[1] in TARGETS and triple[0] not in kept:
            continue
        local.add(triple)
    return local


def _copy_result(source: Graph, node: RdfNode, into: Graph) -> None:
    """A result node's triples and those of the blank nodes it names (a path, say)."""
    stack, seen = [node], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        for triple in source.triples((current, None, None)):
            into.add(triple)
            if isinstance(triple[2], BNode):
                stack.append(triple[2])


@dataclass(frozen=True)
class BatchPlan:
    """A shapes graph's batched constraints, the shapes pyshacl runs over every focus node
    without them (``rest``), and the shapes it judges their candidates with (``judging``)."""

    shapes: Graph
    batched: tuple[BatchedConstraint, ...]
    rest: Graph
    judging: Graph


def batch_plan(shapes: Graph) -> BatchPlan:
    """The plan for a shapes graph (the caller keeps it: the queries are parsed here)."""
    batched = tuple(batchable_constraints(shapes))
    return BatchPlan(
        shapes,
        batched,
        without_batched(shapes, batched),
        _only_targeting(shapes, {each.shape for each in batched}),
    )


def judge_batched(graph: Graph, plan: BatchPlan) -> list[tuple[RdfNode, Graph]]:
    """Pyshacl's results of the batched constraints, from one run over the nodes their queries
    found, against the original shapes; returns (result node, report graph) pairs.

    One run for all: a node one query found is judged by the other batched shapes too, where
    it is their focus node, but a result of theirs there would be one their own query found.
    """
    nodes: set[RdfNode] = set()
    for each in plan.batched:
        nodes.update(candidates(graph, plan.shapes, each))
    if not nodes:
        return []
    # pyshacl takes focus nodes as IRIs; for anything else it judges every focus node.
    focus = sorted(nodes, key=str) if all(isinstance(n, URIRef) for n in nodes) else None
    report = run_pyshacl(graph, plan.judging, None, focus)  # type: ignore[arg-type]
    wanted = {each.constraint for each in plan.batched}
    return [
        (result, report)
        for result in report.subjects(RDF.type, SH.ValidationResult)
        if report.value(result, SH.sourceConstraint) in wanted
    ]


def merge_results(report: Graph, found: Sequence[tuple[RdfNode, Graph]]) -> None:
    """Add batched results to a pyshacl report graph, as results of its one report."""
    if not found:
        return
    main = report.value(predicate=RDF.type, object=SH.ValidationReport)
    for result, source in found:
        _copy_result(source, result, report)
        if main is not None:
            report.add((main, SH.result, result))
            if source.value(result, SH.resultSeverity) == SH.Violation:
                report.set((main, SH.conforms, _FALSE))


def results_graph(found: Sequence[tuple[RdfNode, Graph]]) -> Graph:
    """A graph of the batched results alone, for :func:`~nhgraph.ontology.report.read_report`."""
    graph = Graph()
    for result, source in found:
        _copy_result(source, result, graph)
    return graph
