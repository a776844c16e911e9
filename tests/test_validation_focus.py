"""Focus-node validation (what an edit calls), and a place's own additions to the core offer."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib.namespace import ORG

from nhgraph.ontology.namespaces import CONCEPT, ID, NHG
from nhgraph.ontology.shapes import SHAPES_DIR
from nhgraph.ontology.validation import subgraph_around, validate_focus, validate_graph

from .shape_cases import CASES, Case, broken_graph, case_id, focus_set, world_graph
from .world import ON


def _break_both_ints() -> object:
    graph = world_graph()
    # Camden's INT loses district nursing; Hackney's INT serves a Camden neighbourhood.
    graph.remove((ID["membership/camden-int-1-district-nursing-m"], None, None))
    graph.add((ID["int/hackney-int-1"], NHG.serves, ID["neighbourhood/camden-south"]))
    return graph


def test_only_the_focus_nodes_are_judged() -> None:
    graph = _break_both_ints()
    camden = validate_focus(graph, [ID["int/camden-int-1"]], on=ON)  # type: ignore[arg-type]
    assert {r.rule for r in camden.results} == {"nhgsh:CoreOffer-district_nursing"}
    assert {r.focus_node for r in camden.results} == {"int/camden-int-1"}
    hackney = validate_focus(graph, [ID["int/hackney-int-1"]], on=ON)  # type: ignore[arg-type]
    assert {r.rule for r in hackney.results} == {"nhgsh:Int-one-place"}
    assert not hackney.conforms


def test_the_pruned_graph_holds_what_the_rules_need_and_not_london() -> None:
    graph = world_graph()
    sub = subgraph_around(graph, [ID["int/camden-int-1"]])
    # memberships -> teams -> functions are within reach, for the core offer
    assert (ID["membership/camden-int-1-district-nursing-m"], ORG.member, None) in sub
    assert (
        ID["team/camden-int-1-district-nursing"],
        NHG.carries,
        CONCEPT["function/district_nursing"],
    ) in sub
    # the other place's INT is not pulled in through the shared region or system
    assert (ID["int/hackney-int-1"], None, None) not in sub
    assert len(sub) < len(graph)


def test_a_place_adds_to_the_core_offer_with_a_file(tmp_path: Path) -> None:
    example = (SHAPES_DIR / "core-offer-place.example").read_text()
    place_file = tmp_path / "core-offer-E09000007.ttl"
    place_file.write_text(example)
    graph = world_graph()
    report = validate_focus(
        graph,
        [ID["int/camden-int-1"], ID["int/hackney-int-1"]],
        on=ON,
        extra_shapes=[place_file],
    )
    hits = [r for r in report.results if r.rule == "nhgsh:CoreOffer-E09000007"]
    assert [r.focus_node for r in hits] == ["int/camden-int-1"]  # Hackney is not asked
    assert hits[0].severity == "Warning"
    assert "function/frailty" in hits[0].message
    # a frailty team in Camden's consistent tier satisfies it
    from rdflib import Literal
    from rdflib.namespace import DCTERMS, RDF, RDFS

    team, membership = ID["team/camden-frailty"], ID["membership/camden-frailty-m"]
    graph.add((team, RDF.type, NHG.Team))
    graph.add((team, DCTERMS.identifier, Literal("camden-frailty")))
    graph.add((team, RDFS.label, Literal("Frailty team")))
    graph.add((team, NHG.providedBy, ID["organisation/ods/RKE"]))
    graph.add((team, NHG.carries, CONCEPT["function/frailty"]))
    graph.add((membership, RDF.type, NHG.Membership))
    graph.add((membership, ORG.member, team))
    graph.add((membership, ORG.organization, ID["int/camden-int-1"]))
    graph.add((membership, NHG.tier, CONCEPT["tier/consistent"]))
    report = validate_focus(graph, [ID["int/camden-int-1"]], on=ON, extra_shapes=[place_file])
    assert report.results == []


@pytest.mark.parametrize("case", CASES, ids=[case_id(case) for case in CASES])
def test_focus_validation_finds_what_full_validation_finds(case: Case) -> None:
    graph = broken_graph(case)
    full = validate_graph(graph, on=case.on)
    focus = sorted(focus_set(case))
    nodes = [ID[node] for node in focus]
    narrow = validate_focus(graph, nodes, on=case.on)
    expected = [r for r in full.results if r.focus_node in focus]
    assert narrow.results == expected
