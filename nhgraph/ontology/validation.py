"""SHACL validation of nhgraph data with pyshacl, and the report users read.

The data graph is the data plus the concept schemes (so that ``sh:class nhg:Function`` can be
checked) plus one ``nhg:ValidationContext`` stating the day validated for. The shapes are every
``shapes/*.ttl`` file (the London core offer and any place's ``core-offer-E09*.ttl`` among them)
and any extra files given. Validation of a few focus nodes (an edit) prunes the data graph to
those nodes and what is within two links of them, so it does not pay for the whole of London.
"""

from __future__ import annotations

import json
import multiprocessing
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH
from rdflib.term import Node as RdfNode

from nhgraph.ontology.concepts import CONCEPTS_TTL
from nhgraph.ontology.namespaces import CONCEPT, ID, NHG, PREFIXES, SHAPE
from nhgraph.ontology.rdf import add_validation_context
from nhgraph.ontology.speedups import PreparedQueryGraph

SHAPES_DIR = Path(__file__).with_name("shapes")
VOCABULARY_TTL = Path(__file__).with_name("nhgraph.ttl")


class ShapesError(ValueError):
    """A shapes file that cannot be read: the file and the parser's reason."""


@dataclass(frozen=True)
class ValidationResult:
    """One broken rule at one node."""

    rule: str
    severity: str
    focus_node: str
    focus_id: str | None
    focus_name: str | None
    path: str | None
    value: str | None
    message: str
    constraint: str


@dataclass
class ValidationReport:
    """What SHACL found, grouped by rule; ``graph`` is the SHACL validation report graph."""

    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)
    graph: Graph | None = None

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Warning"]

    def by_rule(self) -> dict[str, list[ValidationResult]]:
        grouped: dict[str, list[ValidationResult]] = defaultdict(list)
        for result in sorted(self.results, key=lambda r: (r.severity != "Violation", r.rule)):
            grouped[result.rule].append(result)
        return dict(grouped)

    def to_json(self) -> str:
        return json.dumps(
            {
                "conforms": self.conforms,
                "violations": len(self.violations),
                "warnings": len(self.warnings),
                "rules": {
                    rule: [asdict(r) for r in results] for rule, results in self.by_rule().items()
                },
            },
            indent=2,
        )

    def to_text(self) -> str:
        if not self.results:
            return "conforms: no violations, no warnings"
        lines = [
            f"{'conforms' if self.conforms else 'does NOT conform'}: "
            f"{len(self.violations)} violation(s), {len(self.warnings)} warning(s)"
        ]
        for rule, results in self.by_rule().items():
            lines.append(f"\n{results[0].severity} {rule} ({len(results)})")
            for r in results:
                who = r.focus_id or r.focus_node
                if r.focus_name:
                    who += f" ({r.focus_name})"
                detail = f" {r.path}" if r.path else ""
                if r.value is not None:
                    detail += f" = {r.value}"
                lines.append(f"  {who}{detail}: {r.message}")
        return "\n".join(lines)

    def to_turtle(self) -> str:
        assert self.graph is not None
        text: str = self.graph.serialize(format="turtle")
        return text


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


@cache
def concepts_graph() -> Graph:
    return Graph().parse(CONCEPTS_TTL, format="turtle")


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

    Copying London's graph to add a thousand triples cost a second; validation adds them
    in place instead (and a concept or context triple already there is simply there again).
    """
    if concepts:
        for triple in concepts_graph():
            graph.add(triple)
    graph.remove((None, NHG.asOf, None))
    graph.remove((None, NHG.warnUntil, None))
    add_validation_context(graph, on)


def _local(node: object) -> str:
    text = str(node)
    for prefix, namespace in (("nhgsh:", str(SHAPE)), ("nhg:", str(NHG)), ("", str(ID))):
        if text.startswith(namespace):
            return prefix + text[len(namespace) :]
    return text


def _path_text(report: Graph, path: RdfNode | None) -> str | None:
    if path is None:
        return None
    if isinstance(path, URIRef):
        return _compact(path)
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{_compact(inverse)}"
    items = list(report.items(path))
    if items:
        return "/".join(_compact(i) for i in items)
    alternatives = report.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_compact(i) for i in report.items(alternatives))
    return str(path)


def _compact(term: object) -> str:
    text = str(term)
    for prefix, namespace in PREFIXES.items():
        if text.startswith(str(namespace)):
            return f"{prefix}:{text[len(str(namespace)) :]}"
    return text


def _rule_name(report: Graph, shapes: Graph, source: RdfNode | None) -> str:
    """Name a result by its shape; a blank property shape is named by its node shape and path."""
    if isinstance(source, URIRef):
        return _local(source)
    parent = next(shapes.subjects(SH.property, source), None)
    path = _path_text(shapes, shapes.value(source, SH.path))
    return f"{_local(parent) if parent is not None else 'shape'}[{path}]"


def _value_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Literal):
        return str(value)
    return _local(value)


def read_report(report: Graph, data: Graph, shapes: Graph) -> list[ValidationResult]:
    results = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(node, SH.focusNode)
        severity = report.value(node, SH.resultSeverity)
        source = report.value(node, SH.sourceShape)
        constraint = report.value(node, SH.sourceConstraint)
        if source is not None and (not isinstance(constraint, URIRef) or constraint == source):
            # Engines differ in reporting sh:sourceConstraint; a shape with one named SPARQL
            # constraint is named after that constraint either way.
            sparql = list(shapes.objects(source, SH.sparql))
            if len(sparql) == 1:
                constraint = sparql[0]
        if isinstance(constraint, URIRef):  # a named SPARQL constraint is the rule itself
            source = constraint
        messages = [
            str(m).replace(str(ID), "").replace(str(CONCEPT), "")
            for m in report.objects(node, SH.resultMessage)
        ]
        focus_id = data.value(focus, DCTERMS.identifier) if focus is not None else None
        focus_name = data.value(focus, RDFS.label) if focus is not None else None
        results.append(
            ValidationResult(
                rule=_rule_name(report, shapes, source),
                severity=_local(severity).split("#")[-1] if severity is not None else "Violation",
                focus_node=_local(focus),
                focus_id=str(focus_id) if focus_id is not None else None,
                focus_name=str(focus_name) if focus_name is not None else None,
                path=_path_text(report, report.value(node, SH.resultPath)),
                value=_value_text(report.value(node, SH.value)),
                message="; ".join(messages)
                or _local(report.value(node, SH.sourceConstraintComponent)),
                constraint=_local(report.value(node, SH.sourceConstraintComponent)).split("#")[-1],
            )
        )
    results.sort(key=lambda r: (r.rule, r.focus_node, r.value or ""))
    return results


def validate_graph(
    data: Graph,
    *,
    on: date | None = None,
    extra_shapes: Sequence[Path] = (),
    focus_nodes: Sequence[URIRef] | None = None,
    copy: bool = True,
    workers: int = 1,
) -> ValidationReport:
    """Validate an RDF data graph against nhgraph's shapes, for the day ``on`` (today).

    With ``copy=False`` the concept schemes and the validation context are added to ``data``
    itself, which saves copying a large graph that the caller built for validation only.
    With ``workers`` above 1 the node shapes are shared out among forked processes, each
    validating the whole graph against its share (for command-line runs on large graphs; a
    threaded server should not fork). The report graph is then left out (``graph`` is None).
    """
    extra = tuple(str(p) for p in extra_shapes)
    shapes = load_shapes(extra_shapes)
    checking, owner = _hoisted_shapes(extra)
    if copy or not isinstance(data, PreparedQueryGraph):
        graph = data_graph_for(data, on or date.today())
    else:
        graph = data
        prepare_in_place(graph, on or date.today(), concepts=not focus_nodes)
    if focus_nodes:
        classes = frozenset(
            str(cls) for node in focus_nodes for cls in graph.objects(node, RDF.type)
        )
        checking = _shapes_targeting(extra, classes)
    report_graph: Graph | None
    if workers > 1 and not focus_nodes:
        results = _validate_in_workers(graph, shapes, checking, owner, workers)
        report_graph = None
    else:
        report_graph = _pyshacl(graph, checking, None)
        results = read_report(report_graph, graph, shapes)
    if focus_nodes:
        # pyshacl's own focus_nodes option reported nothing here (0.40), so results are
        # filtered after a run over the graph, which validate_focus keeps small.
        wanted = {_local(node) for node in focus_nodes}
        results = [r for r in results if r.focus_node in wanted]
    return ValidationReport(
        conforms=not any(r.severity == "Violation" for r in results),
        results=results,
        graph=report_graph,
    )


def _untargeted(shapes: Graph, keep: Callable[[RdfNode, RdfNode], bool]) -> Graph:
    """The shapes graph with the targets removed from the shapes ``keep`` refuses.

    A shape without a target has no focus node and is not run, while everything it is built
    from stays for the shapes that are.
    """
    local = Graph()
    for triple in shapes:
        if triple[1] == SH.targetClass and not keep(triple[0], triple[2]):
            continue
        local.add(triple)
    return local


@cache
def _shapes_targeting(extra: tuple[str, ...], classes: frozenset[str]) -> Graph:
    """Only the shapes that target the focus nodes' classes keep their targets."""
    hoisted, _ = _hoisted_shapes(extra)
    return _untargeted(hoisted, lambda _shape, target: str(target) in classes)


@cache
def _hoisted_shapes(extra: tuple[str, ...]) -> tuple[Graph, dict[RdfNode, RdfNode]]:
    """The shapes as pyshacl runs them fastest, meaning the same: with each property shape of
    a node shape targeted at a class itself targeted at that class (SHACL 2.1.3).

    pyshacl (0.40) runs a node shape's property shapes once per focus node, building their
    constraints anew each time: London's 5,000 LSOAs cost 5 s that way. A property shape with
    its own target runs once over all of its focus nodes, and reports the same results (the
    same focus node, path, value and source shape). Only plain cases are moved: a node shape
    whose targets are all ``sh:targetClass``, that no other shape refers to and that is not
    deactivated, and a property shape that only such node shapes name and that has no target
    of its own. Also returns, for each moved property shape, the node shape it came from
    (which worker runs it).
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


def _pyshacl(graph: Graph, shapes: Graph, use_shapes: list[str] | None = None) -> Graph:
    _, report_graph, _ = pyshacl_validate(
        graph,
        shacl_graph=shapes,
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        advanced=False,
        use_shapes=use_shapes,
    )
    if not isinstance(report_graph, Graph):  # pyshacl returns its failure in place of a report
        raise ShapesError(f"the shapes could not be applied: {report_graph}")
    return report_graph


#: What one focus node costs pyshacl, in core constraints (about 30 us each on London): a
#: SPARQL constraint or a SPARQL-based constraint component runs one query per focus node.
_SPARQL_COST = 80


def _shape_costs(graph: Graph, shapes: Graph) -> dict[str, int]:
    """Each targeted node shape with a rough cost: its focus nodes times its constraints."""
    parameters = {
        path
        for component in shapes.subjects(RDF.type, SH.ConstraintComponent)
        for parameter in shapes.objects(component, SH.parameter)
        for path in shapes.objects(parameter, SH.path)
    }
    costs: dict[str, int] = {}
    for shape in set(shapes.subjects(SH.targetClass, None)):
        if not isinstance(shape, URIRef):
            continue
        focus = sum(
            sum(1 for _ in graph.subjects(RDF.type, target))
            for target in shapes.objects(shape, SH.targetClass)
        )
        constraints = 1 + len(list(shapes.objects(shape, SH.property)))
        constraints += _SPARQL_COST * len(list(shapes.objects(shape, SH.sparql)))
        constraints += _SPARQL_COST * len(
            {p for p, _ in shapes.predicate_objects(shape) if p in parameters}
        )
        costs[str(shape)] = max(1, focus * constraints)
    return costs


_WORKER_STATE: dict[str, object] = {}


def _worker(share: list[str]) -> list[ValidationResult]:
    """Validate against the share of node shapes: the others lose their targets here.

    (pyshacl's use_shapes option left out the results of named property shapes, so the
    share is made by untargeting instead.) A hoisted property shape goes with its node shape.
    """
    graph, shapes = _WORKER_STATE["graph"], _WORKER_STATE["shapes"]
    checking, owner = _WORKER_STATE["checking"], _WORKER_STATE["owner"]
    assert isinstance(graph, Graph) and isinstance(shapes, Graph)
    assert isinstance(checking, Graph) and isinstance(owner, dict)
    mine = {URIRef(shape) for shape in share}
    local = _untargeted(checking, lambda shape, _target: owner.get(shape, shape) in mine)
    return read_report(_pyshacl(graph, local), graph, shapes)


def _validate_in_workers(
    graph: Graph,
    shapes: Graph,
    checking: Graph,
    owner: dict[RdfNode, RdfNode],
    workers: int,
) -> list[ValidationResult]:
    """Share the node shapes out by cost among forked workers that inherit the graph.

    There are more shares than workers, the dearest first, so that a worker done early takes
    the next: the cost estimate is rough, and a share costs pyshacl only ~20 ms to set up.
    """
    costs = _shape_costs(graph, shapes)
    count = min(len(costs), 3 * workers)
    shares: list[list[str]] = [[] for _ in range(count)]
    loads = [0] * count
    for shape, cost in sorted(costs.items(), key=lambda item: -item[1]):
        lightest = loads.index(min(loads))
        shares[lightest].append(shape)
        loads[lightest] += cost
    _WORKER_STATE.update(graph=graph, shapes=shapes, checking=checking, owner=owner)
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers) as pool:
            parts = pool.map(_worker, [share for share in shares if share], chunksize=1)
    finally:
        _WORKER_STATE.clear()
    results = [result for part in parts for result in part]
    results.sort(key=lambda r: (r.rule, r.focus_node, r.value or ""))
    return results


_HUB_CLASSES = (NHG.Region, NHG.System, NHG.Place)


def _is_hub(data: Graph, node: RdfNode) -> bool:
    """Nodes that thousands of others point at: regions, systems, places and concepts."""
    if str(node).startswith(str(CONCEPT)):
        return True
    return any((node, RDF.type, hub) in data for hub in _HUB_CLASSES)


def neighbourhood_of(data: Graph, nodes: Iterable[URIRef], hops: int = 2) -> Graph:
    """The triples within ``hops`` links of the nodes, in both directions, with their types.

    Enough for every shape of nhgraph to judge a node: a rule looks at most two links away
    (an INT's memberships' teams' functions; a neighbourhood's LSOAs' places).
    """
    focus = set(nodes)
    frontier: set[RdfNode] = set(focus)
    seen: set[RdfNode] = set()
    sub = PreparedQueryGraph()
    for _ in range(hops + 1):
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
) -> ValidationReport:
    """Validate only these nodes (an edit's), against what lies around them.

    The data graph is pruned to the nodes' neighbourhood before SHACL runs, and only results
    about the focus nodes are reported.
    """
    sub = neighbourhood_of(data, focus_nodes)
    known = concepts_graph()
    for concept in {o for o in sub.objects() if str(o).startswith(str(CONCEPT))}:
        for triple in known.triples((concept, None, None)):
            sub.add(triple)
    return validate_graph(
        sub, on=on, extra_shapes=extra_shapes, focus_nodes=focus_nodes, copy=False
    )
