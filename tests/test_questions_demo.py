"""The questions on the demo dataset: every planted gap and overlap is found, and nothing
else of its kind. London is loaded once for the module, so these stay together."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from nhgraph import questions
from nhgraph.config import PROJECT_ROOT, Settings
from nhgraph.load import load, read_sources
from nhgraph.schema.models import Neighbourhood, PcnMembership, PostcodeUnit
from nhgraph.store import db

from .asking import CARE_PARTNERS, DAY, TODAY, ask


@pytest.fixture(scope="module")
def demo_sources(neo4j_settings: Settings) -> list[Any]:
    return read_sources(["reference", str(PROJECT_ROOT / "data" / "demo")], neo4j_settings)


@pytest.fixture(scope="module")
def demo(database: db.Database, demo_sources: list[Any]) -> Iterator[db.Database]:
    database.reset()
    load(database, demo_sources, on=DAY, workers=2)
    yield database
    database.reset()


def test_the_demo_gaps_are_exactly_the_planted_ones(demo: db.Database) -> None:
    from nhgraph.loaders.demo import PLANTED

    def places(name: str, **parameters: object) -> list[object]:
        return [r["place"] for r in ask(demo, name, **parameters)]

    assert places("lsoas_in_no_neighbourhood") == [PLANTED["lsoa_in_no_neighbourhood"]["place"]]
    assert places("neighbourhoods_without_int") == [PLANTED["neighbourhood_without_int"]["place"]]
    assert places("places_without_integrator", on=TODAY) == [
        PLANTED["place_without_integrator"]["place"]
    ]
    lacking = ask(demo, "ints_without_specialty", specialty="consultant_geriatrician", on=TODAY)
    assert [(r["place"], r["int"]) for r in lacking] == [("E09000022", "e09000022-int2")]
    missing = ask(demo, "ints_missing_core_offer", on=TODAY)
    assert [(r["place"], r["int"], r["missing"]) for r in missing] == [
        (PLANTED["int_missing_district_nursing"]["place"], "e09000019-int1", ["district_nursing"])
    ]
    cohorts = ask(demo, "priority_cohorts_without_service")
    assert [(r["place"], r["neighbourhood"], r["cohort"]) for r in cohorts] == [
        ("E09000025", "e09000025-n1", PLANTED["priority_cohort_without_service"]["cohort"])
    ]
    # Every gap row carries what analysts rank by.
    for row in [*missing, *cohorts, *lacking]:
        assert row["population"] > 20_000
        assert 1 <= row["most_deprived_decile"] <= 10


def test_the_demo_overlaps_are_exactly_the_planted_ones(demo: db.Database) -> None:
    from nhgraph.loaders.demo import PLANTED

    assert [r["place"] for r in ask(demo, "lsoas_in_several_neighbourhoods")] == [
        PLANTED["lsoa_in_two_neighbourhoods"]["place"]
    ]
    assert ask(demo, "neighbourhoods_with_several_ints") == []
    assert ask(demo, "functions_duplicated_in_consistent_tier", on=TODAY) == []
    assert ask(demo, "services_overlapping") == []
    # Within a place, only the planted PCN is split across INTs. A PCN whose practices straddle
    # a borough boundary joins an INT in each place: real, not planted, and always cross-place.
    split = ask(demo, "pcns_split_across_ints", on=TODAY)
    within = [r for r in split if len(r["places"]) == 1]
    assert [(r["places"], r["ints"]) for r in within] == [
        ([PLANTED["pcn_split_across_ints"]["place"]], ["e09000028-int1", "e09000028-int2"])
    ]
    assert all(len(r["places"]) >= 2 for r in split if r not in within)


def test_the_demo_data_sharing_findings_are_exactly_the_planted_ones(demo: db.Database) -> None:
    from nhgraph.loaders.demo import PLANTED

    expiring = ask(demo, "agreements_expiring", on=TODAY)
    assert [(r["agreement"], str(r["valid_to"]), r["days_left"]) for r in expiring] == [
        ("e09000033-direct-care", PLANTED["agreement_expiring_soon"]["valid_to"], 69)
    ]
    outside = ask(demo, "partners_outside_agreements", on=TODAY, kinds=CARE_PARTNERS)
    assert [(r["place"], r["kind"]) for r in outside] == [
        (PLANTED["vcfse_outside_every_agreement"]["place"], "vcfse")
    ]
    assert ask(demo, "agreements_naming_closed_organisations", on=TODAY) == []
    # Tower Hamlets' VCFSE can share with no partner; Camden's can share with every partner
    # its agreement names.
    hamlets = ask(demo, "sharing_coverage", place="E09000030", purposes="direct_care", on=TODAY)
    vcfse = "local:e09000030-community-connect"
    assert [r for r in hamlets if vcfse in (r["partner_a"], r["partner_b"]) and r["covered"]] == []
    camden = ask(demo, "sharing_coverage", place="E09000007", purposes="direct_care", on=TODAY)
    council = [
        r
        for r in camden
        if {r["partner_a"], r["partner_b"]}
        == {"local:e09000007-community-connect", "ons:E09000007"}
    ]
    assert [(r["covered"], r["agreement"]) for r in council] == [(True, "e09000007-direct-care")]
    summary = ask(demo, "sharing_coverage_by_place", purposes="direct_care", on=TODAY)
    assert len(summary) == 33
    assert all(r["pairs"] == r["covered_pairs"] + r["uncovered_pairs"] for r in summary)


def _practice_neighbourhoods(sources: list[Any]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Worked out in Python from the models read, apart from Cypher: each PCN's neighbourhoods
    and each neighbourhood's PCNs, placing practices by their postcode's LSOA."""
    from collections import defaultdict

    from nhgraph.schema.models import Organisation as Org

    models = [m for source in sources for m in source.models]
    lsoa_of = {m.id: m.lsoa for m in models if isinstance(m, PostcodeUnit)}
    postcode_of = {m.id: m.postcode for m in models if isinstance(m, Org)}
    hoods_of: dict[str, set[str]] = defaultdict(set)
    for m in models:
        if isinstance(m, Neighbourhood):
            for lsoa in m.lsoas:
                hoods_of[lsoa].add(m.id)
    pcn_hoods: dict[str, set[str]] = defaultdict(set)
    hood_pcns: dict[str, set[str]] = defaultdict(set)
    for m in models:
        if isinstance(m, PcnMembership) and m.start <= TODAY and (m.end is None or m.end >= TODAY):
            for hood in hoods_of.get(lsoa_of.get(postcode_of.get(m.practice) or "", ""), set()):
                pcn_hoods[m.pcn].add(hood)
                hood_pcns[hood].add(m.pcn)
    return pcn_hoods, hood_pcns


def test_the_demo_coterminosity_is_what_the_practices_say(
    demo: db.Database, demo_sources: list[Any]
) -> None:
    pcn_hoods, hood_pcns = _practice_neighbourhoods(demo_sources)
    split_pcns = ask(demo, "pcns_split_across_neighbourhoods", on=TODAY)
    assert {r["pcn"]: {h["neighbourhood"] for h in r["neighbourhoods"]} for r in split_pcns} == {
        pcn: hoods for pcn, hoods in pcn_hoods.items() if len(hoods) > 1
    }
    split_hoods = ask(demo, "neighbourhoods_split_across_pcns", on=TODAY)
    assert {r["neighbourhood"]: {p["pcn"] for p in r["pcns"]} for r in split_hoods} == {
        hood: pcns for hood, pcns in hood_pcns.items() if len(pcns) > 1
    }
    assert len(split_pcns) > 100  # footprints from MSOAs, not PCNs: most PCNs straddle them


def test_who_serves_on_london(demo: db.Database) -> None:
    # A real practice postcode (Oakleigh Road Health Centre, Barnet), and the same place found
    # by its LSOA and by the practice's coordinates, through the ONS boundary.
    by_postcode = questions.who_serves(demo, postcode="N20 0DH", age=82, on=TODAY)
    by_point = questions.who_serves(demo, latitude=51.625215, longitude=-0.158867, on=TODAY)
    assert by_postcode["lsoa"] == by_point["lsoa"] == "E01000265"
    assert by_postcode["place"] == "E09000003"
    assert {t["tier"] for t in by_postcode["teams"]} == {"hyper_local", "consistent", "tailored"}
    assert [g["id"] for g in by_postcode["gateways"]] == ["e09000003-gateway"]
    assert {s["specialty"] for s in by_postcode["specialists"]} == {
        "consultant_geriatrician",
        "consultant_diabetologist",
    }
    with pytest.raises(questions.NotAnswerable) as brighton:
        questions.who_serves(demo, latitude=50.8225, longitude=-0.1372)
    assert brighton.value.code == "point_outside_area"
    with pytest.raises(questions.NotAnswerable) as unknown:  # a real postcode, not a practice's
        questions.who_serves(demo, postcode="SE1 7EH")
    assert unknown.value.code == "postcode_not_found"
    assert "1053 postcodes" in unknown.value.message
