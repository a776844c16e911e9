"""SPARQL constraints asked once of the whole graph (nhgraph.ontology.batched) find exactly what
pyshacl's query per focus node finds: on every broken example, on a broken region of England,
in one process and shared among workers; and a query whose ``$this`` must be pre-bound is left
to pyshacl. A graph of only the fields the shapes read is judged the same as the whole one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF, SH, XSD
from rdflib.plugins.sparql import prepareQuery

from nhgraph.ontology.batched import batch_plan, batchable_query
from nhgraph.ontology.namespaces import ID, NHG, ORG
from nhgraph.ontology.rdf import models_to_graph
from nhgraph.ontology.report import ValidationResult
from nhgraph.ontology.shapes import hoisted_shapes
from nhgraph.ontology.validation import fields_the_shapes_read, validate_graph

from .shape_cases import CASES, broken_graph, case_id, world_graph
from .test_england import england  # noqa: F401  (the fixture: England's files, or a skip)
from .world import ON

NS = {"nhg": str(NHG), "org": str(ORG)}

#: (query, batched?): where $this is bound by the query's required part, and where it is not.
QUERIES = [
    ("SELECT $this ?value WHERE { $this nhg:inSystem ?value }", True),
    (
        "SELECT $this ?value WHERE { $this nhg:inPlace ?p ; nhg:inSystem ?value . "
        "FILTER NOT EXISTS { ?p nhg:partOf ?value } }",
        True,
    ),
    (
        "SELECT $this WHERE { $this nhg:a ?x . OPTIONAL { $this nhg:end ?e } FILTER (!BOUND(?e)) }",
        True,
    ),
    ("SELECT $this WHERE { $this nhg:a ?x . BIND ($this AS ?copy) }", True),
    ("SELECT $this WHERE { FILTER NOT EXISTS { $this nhg:carries ?f } }", False),
    ("SELECT $this WHERE { ?x nhg:a ?y . FILTER NOT EXISTS { $this nhg:carries ?y } }", False),
    ("SELECT $this WHERE { { $this nhg:a ?x } UNION { ?x nhg:b ?y } }", False),
    ("SELECT $this WHERE { ?x nhg:a ?y . OPTIONAL { $this nhg:b ?y } }", False),
    ("SELECT $this WHERE { $this nhg:a ?x . MINUS { $this nhg:b ?x } }", False),
    ("SELECT $this WHERE { { SELECT $this WHERE { $this nhg:a ?x } } }", False),
    ("SELECT $this (COUNT(?x) AS ?n) WHERE { $this nhg:a ?x } GROUP BY $this", False),
    ("SELECT $this WHERE { $this nhg:a $currentShape }", False),
    ("SELECT ?x WHERE { $this nhg:a ?x }", False),
    ("SELECT $this WHERE { ?x nhg:a ?y . BIND ($this AS ?copy) }", False),
]


def test_enough_queries() -> None:
    assert len(QUERIES) >= 14
    assert sum(1 for _, batched in QUERIES if not batched) >= 10


@pytest.mark.parametrize(("text", "batched"), QUERIES)
def test_only_a_query_that_binds_this_itself_is_batched(text: str, batched: bool) -> None:
    assert batchable_query(prepareQuery(text, initNs=NS)) is batched


def test_the_node_shapes_constraints_are_batched_and_the_components_are_not() -> None:
    plan = batch_plan(hoisted_shapes(())[0])
    names = sorted(str(b.constraint).rsplit("#", 1)[-1] for b in plan.batched)
    assert names == [
        "DataSharingAgreement-expiring",
        "Lsoa-system-of-its-place",
        "Neighbourhood-lsoa-in-place",
        "PcnMembership-one-pcn-a-day",
        "Place-one-integrator-a-day",
    ]
    # pyshacl's run keeps the shapes' targets and property shapes, not their SPARQL.
    for each in plan.batched:
        assert (each.shape, SH.sparql, each.constraint) not in plan.rest
        assert any(plan.rest.objects(each.shape, None))
    # The core offer (FILTER NOT EXISTS about $this) stays with pyshacl.
    assert any(plan.rest.subjects(SH.nodeValidator, None))


def _key(results: list[ValidationResult]) -> list[ValidationResult]:
    return sorted(results, key=repr)


EXAMPLES = ["world", *[case_id(case) for case in CASES]]


@pytest.mark.parametrize("name", EXAMPLES)
def test_both_paths_find_the_same_results(name: str) -> None:
    assert len(EXAMPLES) >= 20
    if name == "world":
        data, on = world_graph(), ON
    else:
        case = next(c for c in CASES if case_id(c) == name)
        data, on = broken_graph(case), case.on
    old = validate_graph(data, on=on, batch_sparql=False)
    new = validate_graph(data, on=on)
    shared = validate_graph(data, on=on, workers=2)
    assert new.results == old.results
    assert _key(shared.results) == _key(old.results)
    assert new.conforms == old.conforms == shared.conforms
    # The report graph holds the batched results too (what --format turtle prints).
    assert new.graph is not None
    assert len(set(new.graph.subjects(RDF.type, SH.ValidationResult))) == len(old.results)


def _break_england(graph: Graph) -> None:
    """A broken North East: an LSOA in a system its place is not part of, a practice in two PCNs
    on the same days, two integrators for one place, a neighbourhood covering another place's
    LSOA, an agreement expiring soon."""
    lsoas = sorted(graph.subjects(NHG.inSystem, None), key=str)
    first, other = lsoas[0], lsoas[-1]
    place = graph.value(first, NHG.inPlace)
    foreign = ID["system/QZZ"]  # the North East is one system: another one, its place not in it
    graph.add((foreign, RDF.type, NHG.System))
    graph.set((first, NHG.inSystem, foreign))
    memberships = sorted(graph.subjects(RDF.type, NHG.PcnMembership), key=str)
    one = memberships[0]
    practice = graph.value(one, ORG.member)
    pcn = graph.value(one, ORG.organization)
    another = next(
        graph.value(m, ORG.organization)
        for m in memberships
        if graph.value(m, ORG.organization) != pcn
    )
    second = ID["pcn-membership/broken-second"]
    graph.add((second, RDF.type, NHG.PcnMembership))
    graph.add((second, DCTERMS.identifier, Literal("broken-second")))
    graph.add((second, ORG.member, practice))
    graph.add((second, ORG.organization, another))
    graph.add((second, NHG.start, Literal("2020-01-01", datatype=XSD.date)))
    council = sorted(graph.subjects(RDF.type, NHG.Organisation), key=str)[0]
    for n in (1, 2):
        a = ID[f"integrator/broken-{n}"]
        graph.add((a, RDF.type, NHG.IntegratorAppointment))
        graph.add((a, NHG.integratorFor, place))
        graph.add((a, NHG.integrator, council))
        graph.add((a, NHG.start, Literal(f"202{n}-01-01", datatype=XSD.date)))
    hood = ID["neighbourhood/broken"]
    graph.add((hood, RDF.type, NHG.Neighbourhood))
    graph.add((hood, DCTERMS.identifier, Literal("broken")))
    graph.add((hood, NHG.inPlace, place))
    graph.add((hood, NHG.covers, first))
    graph.add((hood, NHG.covers, other))


def test_both_paths_agree_on_a_broken_region_of_england(england: Path) -> None:  # noqa: F811
    from nhgraph.loaders.ods import load_organisations
    from nhgraph.loaders.ons import load_geography
    from nhgraph.loaders.reference import Reference

    reference = Reference(england, frozenset({"E12000001"}))  # North East, the smallest
    models = load_geography(reference).models + load_organisations(reference).models
    graph = models_to_graph(models, provenance=False)
    # The graph a load or `validate --stored` builds: only the fields the shapes read.
    lean = models_to_graph(models, provenance=False, fields=fields_the_shapes_read())
    assert len(lean) < len(graph)
    assert not any(lean.triples((None, NHG.msoa, None)))
    _break_england(graph)
    _break_england(lean)
    old = validate_graph(graph, on=ON, batch_sparql=False)
    new = validate_graph(lean, on=ON, workers=2)
    assert _key(new.results) == _key(old.results)
    rules = {r.rule for r in old.violations}
    assert {
        "nhgsh:Lsoa-system-of-its-place",
        "nhgsh:PcnMembership-one-pcn-a-day",
        "nhgsh:Place-one-integrator-a-day",
        "nhgsh:Neighbourhood-lsoa-in-place",
    } <= rules, old.to_text()[:3000]


def _exists_pattern(query: object) -> list[object]:
    """The triples of the one basic graph pattern inside a query's FILTER NOT EXISTS."""
    found: list[list[object]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if getattr(node, "name", None) == "BGP" and dict.get(node, "triples"):
                found.append(list(dict.__getitem__(node, "triples")))
            for key, value in [*dict.items(node), *vars(node).items()]:
                if key not in ("_vars", "name"):
                    walk(value)
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value)

    walk(query.algebra)  # type: ignore[attr-defined]
    return found[-1]


def test_a_pattern_starts_from_the_variables_pyshacl_binds_and_finds_the_same() -> None:
    from rdflib import URIRef, Variable

    from nhgraph.ontology.speedups import PreparedQueryGraph, prepared

    text = (
        "PREFIX org: <http://www.w3.org/ns/org#> PREFIX nhg: <https://w3id.org/nhgraph/def#> "
        "SELECT $this WHERE { FILTER NOT EXISTS { ?m nhg:tier ?tier ; org:member ?team . "
        "$this ^org:organization ?m . ?team nhg:carries ?f . FILTER (?f = $wanted) } }"
    )
    as_parsed = _exists_pattern(prepared(text))
    bound = _exists_pattern(prepared(text, frozenset({"this", "wanted"})))
    assert as_parsed[0][0] != Variable("this")  # rdflib starts from a membership's tier
    assert bound[0][0] == Variable("this")
    assert sorted(map(str, bound)) == sorted(map(str, as_parsed))
    graph = PreparedQueryGraph()
    e = "urn:x:"
    for i in range(6):
        m, team = URIRef(f"{e}m{i}"), URIRef(f"{e}t{i}")
        graph.add((m, ORG.organization, URIRef(f"{e}int{i % 3}")))
        graph.add((m, NHG.tier, URIRef(f"{e}tier")))
        graph.add((m, ORG.member, team))
        graph.add((team, NHG.carries, URIRef(f"{e}f{i % 2}")))
    for wanted in ("f0", "f1", "f2"):
        for n in range(4):
            given = {"this": URIRef(f"{e}int{n}"), "wanted": URIRef(e + wanted)}
            plain = {tuple(r) for r in graph.query(prepared(text), initBindings=given)}
            asked = {tuple(r) for r in graph.query(text, initBindings=given)}
            assert asked == plain
    assert {
        tuple(r)
        for r in graph.query(
            text, initBindings={"this": URIRef(f"{e}int3"), "wanted": URIRef(e + "f0")}
        )
    }


def test_a_query_with_values_is_prepared_and_answers_as_rdflib_does() -> None:
    """A VALUES block's rows are plain dicts in rdflib's algebra: ordering the patterns around
    one once failed on them (they have no attributes), so a shape written with VALUES could
    not be asked at all."""
    from rdflib import URIRef

    from nhgraph.ontology.speedups import PreparedQueryGraph, prepared

    e = "urn:x:"
    text = f"SELECT ?s ?o WHERE {{ VALUES ?o {{ 1 2 }} ?s <{e}p> ?o . ?s <{e}q> $this }}"
    graph = PreparedQueryGraph()
    for i, value in enumerate((1, 2, 3)):
        graph.add((URIRef(f"{e}s{i}"), URIRef(f"{e}p"), Literal(value)))
        graph.add((URIRef(f"{e}s{i}"), URIRef(f"{e}q"), URIRef(f"{e}t")))
    given = {"this": URIRef(f"{e}t")}
    answered = {tuple(r) for r in graph.query(text, initBindings=given)}
    plain = {tuple(r) for r in Graph.query(graph, text, initBindings=given)}
    assert answered == plain
    assert {str(o) for _, o in answered} == {"1", "2"}
    assert prepared(text, frozenset({"this"})) is prepared(text, frozenset({"this"}))
