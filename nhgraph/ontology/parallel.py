"""SHACL validation of a large graph shared out among forked worker processes.

pyshacl runs in one thread, so a command-line validation of London shares the node shapes
out among workers by their rough cost, each validating the whole graph (inherited through
``fork``, not copied) against its share. A threaded server should not fork: only
:func:`nhgraph.ontology.validation.validate_graph` with ``workers`` above 1 comes here.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node as RdfNode

from nhgraph.ontology.batched import TARGETS, results_graph
from nhgraph.ontology.report import ValidationResult, read_report, run_pyshacl
from nhgraph.ontology.shapes import untargeted

#: What one focus node costs pyshacl, in core constraints (about 30 us each on London): a
#: SPARQL constraint or a SPARQL-based constraint component runs one query per focus node.
_SPARQL_COST = 80


def _shape_costs(graph: Graph, shapes: Graph) -> dict[str, int]:
    """Each targeted node shape with a rough cost: its focus nodes times its constraints.

    Every kind of target counts: a shape left out here would keep its targets in every worker
    and be judged, and reported, once per worker."""
    parameters = {
        path
        for component in shapes.subjects(RDF.type, SH.ConstraintComponent)
        for parameter in shapes.objects(component, SH.parameter)
        for path in shapes.objects(parameter, SH.path)
    }
    costs: dict[str, int] = {}
    targeted = {s for kind in TARGETS for s in shapes.subjects(kind, None)}
    for shape in targeted:
        if not isinstance(shape, URIRef):
            continue
        focus = sum(
            sum(1 for _ in graph.subjects(RDF.type, target))
            for target in shapes.objects(shape, SH.targetClass)
        )
        focus += sum(
            sum(1 for _ in graph.subjects(target, None))
            for target in shapes.objects(shape, SH.targetSubjectsOf)
        )
        focus += sum(
            sum(1 for _ in graph.objects(None, target))
            for target in shapes.objects(shape, SH.targetObjectsOf)
        )
        focus += len(list(shapes.objects(shape, SH.targetNode)))
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
    assert isinstance(graph, Graph)
    assert isinstance(shapes, Graph)
    assert isinstance(checking, Graph)
    assert isinstance(owner, dict)
    mine = {URIRef(shape) for shape in share}
    local = untargeted(
        checking, lambda shape, _target: owner.get(shape, shape) in mine, kinds=TARGETS
    )
    return read_report(run_pyshacl(graph, local), graph, shapes)


def validate_in_workers(
    graph: Graph,
    shapes: Graph,
    checking: Graph,
    owner: dict[RdfNode, RdfNode],
    workers: int,
    meanwhile: Callable[[], Sequence[tuple[RdfNode, Graph]]] | None = None,
) -> list[ValidationResult]:
    """Share the node shapes out by cost among forked workers that inherit the graph.

    There are more shares than workers, the dearest first, so that a worker done early takes
    the next: the cost estimate is rough, and a share costs pyshacl only ~20 ms to set up.
    ``meanwhile`` runs in this process while the workers do (the batched SPARQL constraints of
    :mod:`nhgraph.ontology.batched`), and the results it returns are reported with theirs.
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
            pending = pool.map_async(_worker, [share for share in shares if share], chunksize=1)
            found = meanwhile() if meanwhile is not None else []
            parts = pending.get()
    finally:
        _WORKER_STATE.clear()
    results = [result for part in parts for result in part]
    if found:
        results += read_report(results_graph(found), graph, shapes)
    results.sort(key=lambda r: (r.rule, r.focus_node, r.value or ""))
    return results
