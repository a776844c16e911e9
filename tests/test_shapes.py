"""Every SHACL rule: the world conforms, and each case breaks its rule at its focus node."""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.namespace import SH

from nhgraph.ontology.report import read_report, run_pyshacl
from nhgraph.ontology.shapes import hoisted_shapes, load_shapes
from nhgraph.ontology.validation import data_graph_for, validate_graph

from .shape_cases import (
    CASES,
    MINIMUM_CASES,
    Case,
    broken_graph,
    case_id,
    focus_set,
    world_graph,
)
from .world import ON


def test_the_suite_does_not_shrink() -> None:
    assert len(CASES) >= MINIMUM_CASES
    assert len({case_id(case) for case in CASES}) == len(CASES), "one case per rule and node"


def test_the_world_conforms_with_no_warning() -> None:
    report = validate_graph(world_graph(), on=ON)
    assert report.conforms
    assert report.results == [], report.to_text()


@pytest.mark.parametrize("case", CASES, ids=[case_id(case) for case in CASES])
def test_the_rule_is_broken_at_its_focus_node(case: Case) -> None:
    report = validate_graph(broken_graph(case), on=case.on)
    hits = [r for r in report.results if r.rule == case.rule]
    assert hits, f"{case.rule} did not fire:\n{report.to_text()}"
    assert {r.focus_node for r in hits} == focus_set(case), report.to_text()
    assert all(r.severity == case.severity for r in hits)
    assert all(r.message for r in hits)
    fired = {r.rule for r in report.results}
    assert fired <= {case.rule, *case.also}, f"unexpected rules: {fired}\n{report.to_text()}"
    assert report.conforms is (
        case.severity == "Warning" and not any(r.severity == "Violation" for r in report.results)
    )


@pytest.mark.parametrize("case", CASES, ids=[case_id(case) for case in CASES])
def test_the_conforming_world_does_not_break_the_rule(case: Case) -> None:
    report = validate_graph(world_graph(), on=case.on if case.severity == "Violation" else ON)
    assert not [r for r in report.results if r.rule == case.rule]


def test_workers_report_what_one_process_reports() -> None:
    graph = world_graph()
    for case in CASES[:6]:
        case.change(graph)  # several rules broken at once
    one = validate_graph(graph, on=ON)
    two = validate_graph(graph, on=ON, workers=2)
    assert len(one.results) >= 6
    assert two.results == one.results
    assert two.graph is None
    assert one.graph is not None


@pytest.mark.parametrize("case", CASES, ids=[case_id(case) for case in CASES])
def test_hoisted_shapes_report_what_the_shapes_as_written_report(case: Case) -> None:
    """Property shapes run with their node shape's targets (for speed); each rule must still
    report exactly what pyshacl reports running the shapes files unchanged on a plain rdflib
    graph."""
    graph = broken_graph(case)
    plain = Graph()  # not nhgraph's PreparedQueryGraph: nothing of nhgraph's in the way
    plain += data_graph_for(graph, case.on)
    shapes = load_shapes()
    as_written = read_report(run_pyshacl(plain, shapes), plain, shapes)
    assert [r for r in as_written if r.rule == case.rule]
    assert validate_graph(graph, on=case.on).results == as_written


def test_most_property_shapes_are_hoisted() -> None:
    hoisted, moved = hoisted_shapes(())
    assert len(moved) >= 40
    assert not set(hoisted.objects(None, SH.property)) & set(moved)


def test_no_shape_reads_provenance() -> None:
    """Validation graphs leave out where nodes came from (PROVENANCE), so no rule may read it."""
    from nhgraph.ontology.rdf import PROVENANCE, predicate

    shapes = load_shapes()
    text = shapes.serialize(format="nt")
    for name in ("Place", "Team", "Lsoa"):
        for field in PROVENANCE:
            iri = predicate(name, field)
            assert not list(shapes.triples((None, None, iri)))
            assert str(iri) not in text
    sparql = " ".join(str(o) for o in shapes.objects(None, SH.select))
    for name in ("dcterms:source", "sourceVersion", "purl.org/dc/terms/source"):
        assert name not in sparql
