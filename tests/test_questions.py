"""The named questions on a small hand-built graph (answers worked out by hand below) and on
the demo dataset (every planted gap and overlap found, and nothing else of its kind)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from nhgraph import db, queries, questions
from nhgraph.config import PROJECT_ROOT, Settings
from nhgraph.loaders.graph import write_models
from nhgraph.loaders.pipeline import load, read_sources
from nhgraph.schema.models import (
    DataSharingAgreement,
    Int,
    Lsoa,
    Membership,
    Neighbourhood,
    Node,
    Organisation,
    PcnMembership,
    PostcodeUnit,
    Service,
    Team,
)

from .world import CORE, ON, world

DAY = ON  # 2026-06-01


def ask(database: db.Database, name: str, **parameters: object) -> list[dict[str, Any]]:
    """The question with nhgraph's defaults, as the command line and the API ask it."""
    return questions.ask(database, name, parameters)


def find(models: list[Node], cls: type[Node], id_: str) -> Any:
    [found] = [m for m in models if isinstance(m, cls) and m.id == id_]  # type: ignore[attr-defined]
    return found


CAMDEN_POPULATION = 1500 + 1501 + 1502 + 1503 + 1504 + 1505


def test_lsoas_in_no_neighbourhood(graph: db.Database) -> None:
    models = world()
    for model in models:
        if isinstance(model, Neighbourhood) and model.id == "camden-south":
            model.lsoas = ["E01000803", "E01000804"]  # E01000805 (population 1505) left out
    write_models(graph, models)
    assert ask(graph, "lsoas_in_no_neighbourhood") == [
        {
            "place": "E09000007",
            "place_name": "Camden",
            "lsoa": "E01000805",
            "lsoa_name": "Camden E01000805",
            "population": 1505,
            "imd_decile": 3,
        }
    ]
    assert ask(graph, "lsoas_in_no_neighbourhood", place="E09000012") == []


def test_lsoas_in_several_neighbourhoods(graph: db.Database) -> None:
    models = world()
    for model in models:
        if isinstance(model, Neighbourhood) and model.id == "camden-south":
            model.lsoas = [*model.lsoas, "E01000800"]  # also in camden-north
    write_models(graph, models)
    [row] = ask(graph, "lsoas_in_several_neighbourhoods")
    assert row["lsoa"] == "E01000800" and row["population"] == 1500
    assert sorted(row["neighbourhoods"]) == ["camden-north", "camden-south"]  # type: ignore[arg-type]


def test_neighbourhoods_without_int(graph: db.Database) -> None:
    models = [
        *world(),
        Lsoa(
            id="E01000806", name="Camden E01000806", place="E09000007", population=900, imd_decile=1
        ),
        Neighbourhood(id="camden-west", name="Camden West", place="E09000007", lsoas=["E01000806"]),
    ]
    write_models(graph, models)
    assert ask(graph, "neighbourhoods_without_int") == [
        {
            "place": "E09000007",
            "neighbourhood": "camden-west",
            "name": "Camden West",
            "population": 900,
            "most_deprived_decile": 1,
        }
    ]


def test_places_without_integrator(graph: db.Database) -> None:
    write_models(graph, world())
    # Camden's integrator starts 2025-04-01; Hackney has none. Hackney: 3 LSOAs of 1,600.
    assert ask(graph, "places_without_integrator", on=DAY) == [
        {"place": "E09000012", "name": "Hackney", "population": 4800, "most_deprived_decile": 2}
    ]
    before = ask(graph, "places_without_integrator", on=date(2025, 1, 1))
    assert [(r["place"], r["population"]) for r in before] == [
        ("E09000007", 1500 + 1501 + 1502 + 1503 + 1504 + 1505),
        ("E09000012", 4800),
    ]


def test_ints_without_specialty_and_specialists_for_int(graph: db.Database) -> None:
    write_models(graph, world())
    geriatrician = "consultant_geriatrician"
    # Camden's geriatrician is aligned from 2025-05-01 for 2 sessions; Hackney has none.
    assert ask(graph, "ints_without_specialty", specialty=geriatrician, on=DAY) == [
        {
            "place": "E09000012",
            "int": "hackney-int-1",
            "name": "Hackney INT 1",
            "population": 4800,
            "most_deprived_decile": 2,
        }
    ]
    early = ask(graph, "ints_without_specialty", specialty=geriatrician, on=date(2025, 4, 1))
    assert [r["int"] for r in early] == ["camden-int-1", "hackney-int-1"]
    assert ask(graph, "specialists_for_int", int="camden-int-1", on=DAY) == [
        {
            "specialty": geriatrician,
            "specialty_label": "Consultant geriatrician",
            "provider": "ods:RKE",
            "provider_name": "A community trust",
            "sessions_per_week": 2.0,
            "post": None,
            "start": date(2025, 5, 1),
            "end": None,
        }
    ]
    assert (
        ask(
            graph,
            "specialists_for_int",
            int="camden-int-1",
            specialty="consultant_psychiatrist",
            on=DAY,
        )
        == []
    )


# -- the demo dataset: each planted gap is found, and nothing else of its kind -----------------


@pytest.fixture(scope="module")
def demo_sources(neo4j_settings: Settings) -> list[Any]:
    return read_sources(["reference", str(PROJECT_ROOT / "data" / "demo")], neo4j_settings)


@pytest.fixture(scope="module")
def demo(database: db.Database, demo_sources: list[Any]) -> Iterator[db.Database]:
    database.reset()
    load(database, demo_sources, on=DAY, workers=2)
    yield database
    database.reset()


TODAY = date(2026, 11, 23)
CARE_PARTNERS = "vcfse,domiciliary_care,residential_care"


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
        assert row["population"] > 20_000 and 1 <= row["most_deprived_decile"] <= 10


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
    assert unknown.value.code == "postcode_not_found" and "1053 postcodes" in unknown.value.message


def test_ask_on_the_command_line(graph: db.Database, neo4j_settings: Settings) -> None:
    import json

    from .test_cli import run_cli, settings_env

    write_models(graph, world())
    env = settings_env(neo4j_settings)
    done = run_cli(
        "ask", "places_without_integrator", "--param", "on=2026-06-01", "--format", "json", env=env
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        {"place": "E09000012", "name": "Hackney", "population": 4800, "most_deprived_decile": 2}
    ]
    done = run_cli(
        "ask", "specialists_for_int", "-p", "int=camden-int-1", "--format", "csv", env=env
    )
    assert done.stdout.splitlines()[0].startswith("specialty,specialty_label,provider")
    assert "consultant_geriatrician" in done.stdout
    assert run_cli("ask", "no_such_question", env=env).returncode == 2
    wrong = run_cli("ask", "lsoas_in_no_neighbourhood", "-p", "borough=x", env=env)
    assert wrong.returncode == 2 and "takes place" in wrong.stderr
    listed = run_cli("ask", "--list", env=env)
    assert all(name in listed.stdout for name in queries.names())


# -- who serves a resident --------------------------------------------------------------------


def test_who_serves_a_resident_of_an_lsoa(graph: db.Database) -> None:
    write_models(graph, world())
    row = questions.who_serves(graph, lsoa="E01000800", age=82, on=DAY)
    assert row["resolved"] == {"by": "lsoa", "lsoa": "E01000800"}
    assert (row["place"], row["place_name"], row["system"]) == ("E09000007", "Camden", "QMJ")
    assert row["neighbourhoods"] == [
        {"id": "camden-north", "name": "Camden North", "reason": "covers the LSOA E01000800"}
    ]
    assert row["ints"] == [
        {
            "id": "camden-int-1",
            "name": "Camden INT 1",
            "reason": "serves neighbourhood camden-north",
        }
    ]
    teams = row["teams"]
    assert [(t["tier"], t["team"]) for t in teams] == [
        ("hyper_local", "camden-pharmacy"),
        ("consistent", "camden-int-1-adult-social-care"),
        ("consistent", "camden-int-1-care-coordination"),
        ("consistent", "camden-int-1-community-mental-health"),
        ("consistent", "camden-int-1-district-nursing"),
        ("consistent", "camden-int-1-social-prescribing"),
    ]
    assert teams[0]["provider"] == "ods:F83001"
    assert teams[0]["functions"] == ["community_pharmacy"]
    assert (
        teams[0]["reason"] == "member of INT camden-int-1, which serves neighbourhood camden-north"
    )
    services = {s["id"]: s["reason"] for s in row["services"]}
    assert services == {
        "camden-frailty": "for the neighbourhood camden-north",
        "camden-gateway": "for the place E09000007",
    }
    [specialist] = row["specialists"]
    assert (specialist["specialty"], specialist["sessions_per_week"]) == (
        "consultant_geriatrician",
        2.0,
    )
    assert row["integrator"]["organisation"] == "ods:RKE"
    assert [(g["id"], g["reason"]) for g in row["gateways"]] == [
        ("camden-gateway", "for the place E09000007")
    ]


def test_who_serves_by_postcode_in_any_spelling(graph: db.Database) -> None:
    write_models(graph, world())
    by_lsoa = questions.who_serves(graph, lsoa="E01000800", on=DAY)
    by_postcode = questions.who_serves(graph, postcode=" nw12aa ", on=DAY)
    assert by_postcode["resolved"] == {"by": "postcode", "postcode": "NW1 2AA", "lsoa": "E01000800"}
    assert by_postcode["postcode"] == "NW1 2AA" and by_lsoa["postcode"] is None
    for key in ("place", "neighbourhoods", "ints", "teams", "services", "gateways"):
        assert by_postcode[key] == by_lsoa[key]


def test_who_serves_filters_by_age_cohort_and_function(graph: db.Database) -> None:
    write_models(graph, world())
    child = questions.who_serves(graph, lsoa="E01000800", age=10, on=DAY)
    assert [s["id"] for s in child["services"]] == ["camden-gateway"]  # frailty is 65-120
    assert [g["id"] for g in child["gateways"]] == ["camden-gateway"]
    # The frailty service is for the frailty cohort; the gateway names no cohort (everyone).
    young = questions.who_serves(graph, lsoa="E01000800", cohort="babies_children_young_people")
    assert [s["id"] for s in young["services"]] == ["camden-gateway"]
    frail = questions.who_serves(graph, lsoa="E01000800", age=82, cohort="frailty", on=DAY)
    assert [s["id"] for s in frail["services"]] == ["camden-frailty", "camden-gateway"]
    nursing = questions.who_serves(graph, lsoa="E01000800", function="district_nursing", on=DAY)
    assert [t["team"] for t in nursing["teams"]] == ["camden-int-1-district-nursing"]
    assert nursing["services"] == []  # no district nursing service; the gateway still shows
    assert [g["id"] for g in nursing["gateways"]] == ["camden-gateway"]


def test_who_serves_where_little_is_in_place(graph: db.Database) -> None:
    write_models(graph, world())
    hackney = questions.who_serves(graph, lsoa="E01001700", on=DAY)
    assert hackney["integrator"] is None and hackney["specialists"] == []
    assert hackney["services"] == [] and hackney["gateways"] == []
    assert {t["provider"] for t in hackney["teams"]} == {"ons:E09000012"}
    # Before the alignment starts (2025-05-01) Camden has no specialist; before the
    # integrator's appointment (2025-04-01), no integrator.
    early = questions.who_serves(graph, lsoa="E01000800", on=date(2025, 3, 1))
    assert early["specialists"] == [] and early["integrator"] is None


def _square(lsoa: Lsoa, south: float, west: float, size: float) -> None:
    """Give an LSOA a square boundary (GeoJSON is longitude first) and its bounding box."""
    import json

    north, east = south + size, west + size
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    lsoa.boundary = json.dumps({"type": "Polygon", "coordinates": [ring]})
    lsoa.min_latitude, lsoa.max_latitude = south, north
    lsoa.min_longitude, lsoa.max_longitude = west, east


def test_who_serves_a_point_by_its_lsoa_boundary(graph: db.Database) -> None:
    import json

    models = world()
    _square(find(models, Lsoa, "E01000800"), 51.50, -0.20, 0.01)
    # E01000801: a triangle whose bounding box holds the point (51.518, -0.182) but not itself.
    other = find(models, Lsoa, "E01000801")
    _square(other, 51.51, -0.19, 0.01)
    triangle = [[-0.19, 51.51], [-0.18, 51.51], [-0.19, 51.52], [-0.19, 51.51]]
    other.boundary = json.dumps({"type": "Polygon", "coordinates": [triangle]})
    write_models(graph, models)
    row = questions.who_serves(graph, latitude=51.505, longitude=-0.195, on=DAY)
    assert row["lsoa"] == "E01000800"
    assert row["resolved"] == {
        "by": "point",
        "latitude": 51.505,
        "longitude": -0.195,
        "lsoa": "E01000800",
    }
    assert questions.who_serves(graph, latitude=51.512, longitude=-0.189)["lsoa"] == "E01000801"
    with pytest.raises(questions.NotAnswerable) as in_box:
        questions.who_serves(graph, latitude=51.518, longitude=-0.182)
    assert in_box.value.code == "point_outside_area"
    assert "bounding box" in in_box.value.message
    with pytest.raises(questions.NotAnswerable) as far:
        questions.who_serves(graph, latitude=53.48, longitude=-2.24)  # Manchester
    assert far.value.code == "point_outside_area"


def test_point_in_polygon_respects_holes_and_multipolygons() -> None:
    outer = [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0], [0.0, 0.0]]
    hole = [[1.0, 1.0], [3.0, 1.0], [3.0, 3.0], [1.0, 3.0], [1.0, 1.0]]
    donut = {"type": "Polygon", "coordinates": [outer, hole]}
    assert questions.point_in_geometry(0.5, 0.5, donut)  # (latitude, longitude)
    assert not questions.point_in_geometry(2.0, 2.0, donut)  # in the hole
    far = [[10.0, 10.0], [11.0, 10.0], [11.0, 11.0], [10.0, 11.0], [10.0, 10.0]]
    islands = {"type": "MultiPolygon", "coordinates": [[outer, hole], [far]]}
    assert questions.point_in_geometry(10.5, 10.5, islands)
    assert not questions.point_in_geometry(5.0, 5.0, islands)
    assert not questions.point_in_geometry(1.0, 1.0, {"type": "Point", "coordinates": [1, 1]})


@pytest.mark.parametrize(
    ("resident", "code"),
    [
        ({"postcode": "NOT A POSTCODE"}, "invalid_postcode"),
        ({"postcode": "SE1 7EH"}, "postcode_not_found"),
        ({"lsoa": "E02000001"}, "invalid_lsoa"),
        ({"lsoa": "E01999999"}, "lsoa_not_found"),
        ({"latitude": 51.5}, "invalid_point"),
        ({"latitude": 91.0, "longitude": 0.0}, "invalid_point"),
        ({"postcode": "NW1 2AA", "lsoa": "E01000800"}, "ambiguous_resident"),
        ({}, "no_resident"),
        ({"lsoa": "E01000800", "age": -1}, "invalid_age"),
    ],
)
def test_who_serves_says_why_it_cannot_answer(
    graph: db.Database, resident: dict[str, Any], code: str
) -> None:
    write_models(graph, world())
    with pytest.raises(questions.NotAnswerable) as refused:
        questions.who_serves(graph, **resident)
    assert refused.value.code == code
    if code == "postcode_not_found":
        assert "SE1 7EH" in refused.value.message and "1 postcodes" in refused.value.message


# -- gaps ---------------------------------------------------------------------------------------


def test_ints_missing_core_offer(graph: db.Database) -> None:
    models = [m for m in world() if m.id != "camden-int-1-district-nursing-m"]  # type: ignore[attr-defined]
    write_models(graph, models)
    assert ask(graph, "ints_missing_core_offer", on=DAY) == [
        {
            "place": "E09000007",
            "int": "camden-int-1",
            "name": "Camden INT 1",
            "missing": ["district_nursing"],
            "population": CAMDEN_POPULATION,
            "most_deprived_decile": 3,
        }
    ]
    # A place's own addition (Hackney requires frailty) applies to that place only.
    offer = [
        *(dict(r) for r in questions.core_offer()),
        {"function": "frailty", "place": "E09000012"},
    ]
    rows = ask(graph, "ints_missing_core_offer", core_offer=offer, on=DAY)
    assert [(r["int"], r["missing"]) for r in rows] == [
        ("hackney-int-1", ["frailty"]),  # decile 2 ranks first
        ("camden-int-1", ["district_nursing"]),
    ]
    assert ask(graph, "ints_missing_core_offer", place="E09000012", on=DAY) == []


def test_the_core_offer_is_read_from_the_shapes() -> None:
    offer = questions.core_offer()
    assert {r["function"] for r in offer if r["place"] is None} == set(CORE)


def test_priority_cohorts_without_service(graph: db.Database) -> None:
    models = world()
    # camden-north prioritises older people; its frailty service is for the frailty cohort and
    # the gateway names no cohort: nothing answers older people.
    write_models(graph, models)
    assert ask(graph, "priority_cohorts_without_service") == [
        {
            "place": "E09000007",
            "neighbourhood": "camden-north",
            "name": "Camden North",
            "cohort": "older_people",
            "cohort_label": "Older people",
            "population": 1500 + 1501 + 1502,
            "most_deprived_decile": 3,
        }
    ]
    # A service for older people in one of its LSOAs answers it.
    models.append(
        Service(
            id="older-people-lsoa",
            name="Older people's club",
            provider="local:camden-vcs",
            function="social_prescribing",
            lsoas=["E01000802"],
            cohorts=["older_people"],
        )
    )
    write_models(graph, models)
    assert ask(graph, "priority_cohorts_without_service") == []


# -- overlaps -----------------------------------------------------------------------------------


def test_neighbourhoods_with_several_ints(graph: db.Database) -> None:
    models = [
        *world(),
        Int(
            id="camden-int-2",
            name="Camden INT 2",
            place="E09000007",
            neighbourhoods=["camden-south"],
        ),
    ]
    write_models(graph, models)
    assert ask(graph, "neighbourhoods_with_several_ints") == [
        {
            "place": "E09000007",
            "neighbourhood": "camden-south",
            "name": "Camden South",
            "ints": ["camden-int-1", "camden-int-2"],
            "population": 1503 + 1504 + 1505,
            "most_deprived_decile": 3,
        }
    ]
    assert ask(graph, "neighbourhoods_with_several_ints", place="E09000012") == []


def _coterminosity_world() -> list[Node]:
    """Practices placed by postcode: U22222 has F83001 (camden-north) and F83002 (camden-south);
    U11111 has F83003 (camden-north). F83001's earlier U11111 membership ended in 2022."""
    models = world()
    find(models, Organisation, "ods:F83001").postcode = "NW1 2AA"  # E01000800, camden-north
    models += [
        PostcodeUnit(id="NW1 9ZZ", lsoa="E01000804"),  # camden-south
        Organisation(
            id="ods:F83002", name="South practice", kind="gp_practice", postcode="NW1 9ZZ"
        ),
        Organisation(
            id="ods:F83003", name="North practice", kind="gp_practice", postcode="NW1 2AA"
        ),
        PcnMembership(
            id="f83002-u22222", practice="ods:F83002", pcn="ods:U22222", start=date(2020, 1, 1)
        ),
        PcnMembership(
            id="f83003-u11111", practice="ods:F83003", pcn="ods:U11111", start=date(2020, 1, 1)
        ),
    ]
    return models


def test_pcns_split_across_neighbourhoods(graph: db.Database) -> None:
    write_models(graph, _coterminosity_world())
    assert ask(graph, "pcns_split_across_neighbourhoods", on=DAY) == [
        {
            "pcn": "ods:U22222",
            "pcn_name": "Camden South PCN",
            "practices": 2,
            "neighbourhoods": [
                {"neighbourhood": "camden-north", "place": "E09000007", "practices": 1},
                {"neighbourhood": "camden-south", "place": "E09000007", "practices": 1},
            ],
            "places": ["E09000007"],
        }
    ]
    # In 2021 F83001 was in U11111: then U11111 spanned camden-north only, and U22222 did not
    # yet have two practices placed.
    assert ask(graph, "pcns_split_across_neighbourhoods", on=date(2021, 6, 1)) == []
    assert ask(graph, "pcns_split_across_neighbourhoods", on=DAY, place="E09000012") == []


def test_neighbourhoods_split_across_pcns(graph: db.Database) -> None:
    write_models(graph, _coterminosity_world())
    assert ask(graph, "neighbourhoods_split_across_pcns", on=DAY) == [
        {
            "place": "E09000007",
            "neighbourhood": "camden-north",
            "name": "Camden North",
            "pcns": [
                {"pcn": "ods:U11111", "name": "Camden North PCN", "practices": 1},
                {"pcn": "ods:U22222", "name": "Camden South PCN", "practices": 1},
            ],
            "practices": 2,
            "population": 1500 + 1501 + 1502,
        }
    ]
    # In 2021 both north practices were in U11111.
    assert ask(graph, "neighbourhoods_split_across_pcns", on=date(2021, 6, 1)) == []


def test_pcns_split_across_ints(graph: db.Database) -> None:
    models = world()
    find(models, Int, "camden-int-1").neighbourhoods = ["camden-north"]
    models += [
        Int(
            id="camden-int-2",
            name="Camden INT 2",
            place="E09000007",
            neighbourhoods=["camden-south"],
        ),
        Team(
            id="u22222-practices", name="PCN", provider="ods:U22222", functions=["general_practice"]
        ),
        Membership(
            id="u22222-int1", team="u22222-practices", int="camden-int-1", tier="hyper_local"
        ),
        Membership(
            id="u22222-int2",
            team="u22222-practices",
            int="camden-int-2",
            tier="hyper_local",
            start=date(2026, 1, 1),
        ),
    ]
    write_models(graph, models)
    assert ask(graph, "pcns_split_across_ints", on=DAY) == [
        {
            "pcn": "ods:U22222",
            "pcn_name": "Camden South PCN",
            "ints": ["camden-int-1", "camden-int-2"],
            "places": ["E09000007"],
        }
    ]
    assert ask(graph, "pcns_split_across_ints", on=date(2025, 6, 1)) == []  # before int-2's


def test_functions_duplicated_in_consistent_tier(graph: db.Database) -> None:
    models = [
        *world(),
        Team(
            id="council-nursing",
            name="Nursing",
            provider="ons:E09000007",
            functions=["district_nursing"],
        ),
        Membership(
            id="council-nursing-m", team="council-nursing", int="camden-int-1", tier="consistent"
        ),
        # the same function in the tailored tier is not a duplicate of the consistent offer
        Team(
            id="extra-sp", name="SP", provider="local:camden-vcs", functions=["social_prescribing"]
        ),
        Membership(id="extra-sp-m", team="extra-sp", int="camden-int-1", tier="tailored"),
    ]
    write_models(graph, models)
    assert ask(graph, "functions_duplicated_in_consistent_tier", on=DAY) == [
        {
            "place": "E09000007",
            "int": "camden-int-1",
            "function": "district_nursing",
            "teams": ["camden-int-1-district-nursing", "council-nursing"],
            "providers": ["ods:RKE", "ons:E09000007"],
        }
    ]


def test_services_overlapping(graph: db.Database) -> None:
    models = [
        *world(),
        # Another provider's frailty service for E01000800, which camden-frailty covers through
        # camden-north: one LSOA of 1,500 residents shared.
        Service(
            id="council-frailty",
            name="Council frailty",
            provider="ons:E09000007",
            function="frailty",
            lsoas=["E01000800"],
        ),
        # The same provider twice is not an overlap of providers.
        Service(
            id="rke-frailty-2",
            name="Second frailty",
            provider="ods:RKE",
            function="frailty",
            lsoas=["E01000801"],
        ),
    ]
    write_models(graph, models)
    assert ask(graph, "services_overlapping") == [
        {
            "function": "frailty",
            "services": ["camden-frailty", "council-frailty"],
            "providers": ["ods:RKE", "ons:E09000007"],
            "lsoas": 1,
            "population": 1500,
            "most_deprived_decile": 3,
        }
    ]
    assert ask(graph, "services_overlapping", place="E09000012") == []


# -- data sharing -------------------------------------------------------------------------------


def _sharing_world() -> list[Node]:
    """camden-int-1's partners: ods:RKE, ods:F83001 (the pharmacy team), ons:E09000007 and
    local:camden-vcs (added below). The world's agreement covers RKE, the council and the VCFSE
    for direct care; F83001 accedes with RKE's framework, so F83001 and RKE share through it."""
    models = world()
    find(models, Team, "camden-int-1-adult-social-care").provider = "ons:E09000007"
    find(models, Team, "camden-int-1-social-prescribing").provider = "local:camden-vcs"
    models += [
        DataSharingAgreement(
            id="london-framework",
            name="London framework",
            controllers=["ods:RKE", "ons:E09000012"],
            purposes=["direct_care", "planning"],
            lawful_basis="a6_1_e",
            status="active",
            valid_from=date(2024, 1, 1),
        ),
        DataSharingAgreement(
            id="practice-accession",
            name="A practice accedes",
            controllers=["ods:F83001", "ons:E09000012"],
            purposes=["direct_care"],
            lawful_basis="a6_1_e",
            status="active",
            valid_from=date(2025, 1, 1),
            framework="london-framework",
        ),
    ]
    return models


def test_sharing_coverage_for_an_int(graph: db.Database) -> None:
    write_models(graph, _sharing_world())
    rows = ask(
        graph, "sharing_coverage", int="camden-int-1", purposes="direct_care,research", on=DAY
    )
    assert len(rows) == 6 * 2  # 4 partners make 6 pairs, for 2 purposes
    covered = {
        (r["partner_a"], r["partner_b"], r["purpose"]): r["agreement"] for r in rows if r["covered"]
    }
    assert covered == {
        ("local:camden-vcs", "ods:RKE", "direct_care"): "camden-direct-care",
        ("local:camden-vcs", "ons:E09000007", "direct_care"): "camden-direct-care",
        ("ods:RKE", "ons:E09000007", "direct_care"): "camden-direct-care",
        ("ods:F83001", "ods:RKE", "direct_care"): "london-framework",  # through the accession
    }
    [rke_council] = [
        r
        for r in rows
        if (r["partner_a"], r["partner_b"], r["purpose"])
        == ("ods:RKE", "ons:E09000007", "direct_care")
    ]
    assert (rke_council["lawful_basis"], rke_council["article9_condition"]) == ("a6_1_e", "a9_2_h")
    assert all(r["agreement"] is None for r in rows if not r["covered"])
    assert rows[0]["covered"] is False  # uncovered pairs first, for governance to act on
    # Before the accession (2025-01-01) F83001 and RKE cannot share.
    early = ask(
        graph, "sharing_coverage", int="camden-int-1", purposes=["direct_care"], on=date(2024, 6, 1)
    )
    assert sum(r["covered"] for r in early) == 3
    # A place asks for all its INTs' partners, and every purpose by default.
    place = ask(graph, "sharing_coverage", place="E09000007", on=DAY)
    assert len(place) == 6 * 5


def test_sharing_coverage_by_place(graph: db.Database) -> None:
    write_models(graph, _sharing_world())
    rows = ask(graph, "sharing_coverage_by_place", purposes="direct_care", on=DAY)
    assert rows == [
        {
            "place": "E09000007",
            "name": "Camden",
            "purpose": "direct_care",
            "partners": 4,
            "pairs": 6,
            "covered_pairs": 4,
            "uncovered_pairs": 2,
        },
        {  # Hackney's INT has one partner, its council: no pairs
            "place": "E09000012",
            "name": "Hackney",
            "purpose": "direct_care",
            "partners": 1,
            "pairs": 0,
            "covered_pairs": 0,
            "uncovered_pairs": 0,
        },
    ]


def test_agreements_expiring(graph: db.Database) -> None:
    write_models(graph, world())  # camden-direct-care ends 2030-12-31
    assert ask(graph, "agreements_expiring", on=DAY) == []
    assert ask(graph, "agreements_expiring", on=date(2030, 11, 1)) == [
        {
            "agreement": "camden-direct-care",
            "name": "Camden direct care agreement",
            "valid_to": date(2030, 12, 31),
            "days_left": 60,
            "review_date": None,
            "parties": 3,
            "places": ["E09000007"],
        }
    ]
    assert ask(graph, "agreements_expiring", on=date(2030, 11, 1), days=59) == []
    assert ask(graph, "agreements_expiring", on=date(2031, 1, 1)) == []  # already ended


def test_partners_outside_agreements(graph: db.Database) -> None:
    models = [
        *world(),
        Organisation(id="local:hackney-vcs", name="Hackney VCS", kind="vcfse", illustrative=True),
        Team(
            id="hackney-link",
            name="Link",
            provider="local:hackney-vcs",
            functions=["social_prescribing"],
        ),
        Membership(id="hackney-link-m", team="hackney-link", int="hackney-int-1", tier="tailored"),
    ]
    write_models(graph, models)
    rows = ask(graph, "partners_outside_agreements", on=DAY)
    assert [(r["place"], r["organisation"], r["ints"]) for r in rows] == [
        ("E09000007", "ods:F83001", ["camden-int-1"]),  # the pharmacy team's provider
        ("E09000012", "local:hackney-vcs", ["hackney-int-1"]),
        ("E09000012", "ons:E09000012", ["hackney-int-1"]),
    ]
    vcfse = ask(graph, "partners_outside_agreements", on=DAY, kinds="vcfse,domiciliary_care")
    assert [(r["organisation"], r["kind"], r["illustrative"]) for r in vcfse] == [
        ("local:hackney-vcs", "vcfse", True)
    ]
    # After the agreement ends, RKE (in Camden) is outside every agreement too.
    later = ask(graph, "partners_outside_agreements", on=date(2031, 1, 1), place="E09000007")
    assert [r["organisation"] for r in later] == ["ods:F83001", "ods:RKE"]


def test_agreements_naming_closed_organisations(graph: db.Database) -> None:
    models = world()
    find(models, Organisation, "local:camden-vcs").close_date = date(2026, 1, 31)
    write_models(graph, models)
    assert ask(graph, "agreements_naming_closed_organisations", on=DAY) == [
        {
            "agreement": "camden-direct-care",
            "name": "Camden direct care agreement",
            "status": "active",
            "organisation": "local:camden-vcs",
            "organisation_name": "An illustrative VCFSE",
            "role": "processor",
            "closed_on": date(2026, 1, 31),
        }
    ]
    assert ask(graph, "agreements_naming_closed_organisations", on=date(2026, 1, 31)) == []


def test_an_unknown_parameter_is_refused_not_ignored(graph: db.Database) -> None:
    with pytest.raises(questions.NotAnswerable, match="takes place"):
        ask(graph, "lsoas_in_no_neighbourhood", borough="E09000007")


def test_who_serves_on_the_command_line(graph: db.Database, neo4j_settings: Settings) -> None:
    import json

    from .test_cli import run_cli, settings_env

    write_models(graph, world())
    env = settings_env(neo4j_settings)
    done = run_cli(
        "ask", "who_serves", "-p", "postcode=nw12aa", "-p", "age=82", "--format", "json", env=env
    )
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)
    assert (row["lsoa"], row["resolved"]["by"]) == ("E01000800", "postcode")
    unknown = run_cli("ask", "who_serves", "-p", "postcode=SE1 7EH", env=env)
    assert unknown.returncode == 2 and "postcode_not_found" in unknown.stderr
    point = run_cli("ask", "who_serves", "-p", "latitude=53.48", "-p", "longitude=-2.24", env=env)
    assert point.returncode == 2 and "point_outside_area" in point.stderr


def test_nested_answers_print_as_json_in_csv(graph: db.Database, neo4j_settings: Settings) -> None:
    import csv
    import io
    import json

    from .test_cli import run_cli, settings_env

    models = world()
    find(models, Neighbourhood, "camden-south").lsoas.append("E01000800")
    write_models(graph, models)
    done = run_cli(
        "ask",
        "lsoas_in_several_neighbourhoods",
        "--format",
        "csv",
        env=settings_env(neo4j_settings),
    )
    assert done.returncode == 0, done.stderr
    [row] = list(csv.DictReader(io.StringIO(done.stdout)))
    assert sorted(json.loads(row["neighbourhoods"])) == ["camden-north", "camden-south"]
