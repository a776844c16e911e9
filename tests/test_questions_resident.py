"""Who serves a resident (who_serves), found by LSOA, postcode or point, on the small
hand-built world, and each answer given when a resident cannot be placed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from nhgraph import questions
from nhgraph.schema.models import Lsoa
from nhgraph.store import db, write_models

from .asking import DAY, find
from .world import world


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
    assert by_postcode["postcode"] == "NW1 2AA"
    assert by_lsoa["postcode"] is None
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
    assert hackney["integrator"] is None
    assert hackney["specialists"] == []
    assert hackney["services"] == []
    assert hackney["gateways"] == []
    assert {t["provider"] for t in hackney["teams"]} == {"ons:E09000012"}
    # Before the alignment starts (2025-05-01) Camden has no specialist; before the
    # integrator's appointment (2025-04-01), no integrator.
    early = questions.who_serves(graph, lsoa="E01000800", on=date(2025, 3, 1))
    assert early["specialists"] == []
    assert early["integrator"] is None


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


def test_a_point_in_an_lsoa_wider_than_the_first_reach_is_found_by_a_wider_one(
    graph: db.Database,
) -> None:
    """A rural LSOA spans more than the first reach south-west of a point near its north-east
    corner: the seek widens until its box is in reach, and a small LSOA beside it is not
    mistaken for it."""
    models = world()
    big = questions.LSOA_REACHES[0] * 3
    _square(find(models, Lsoa, "E01000800"), 51.0, -1.0, big)
    _square(find(models, Lsoa, "E01000801"), 51.0 + big, -1.0, 0.01)
    write_models(graph, models)
    near_corner = (51.0 + big * 0.99, -1.0 + big * 0.99)
    assert questions.lsoa_at(graph, *near_corner) == "E01000800"
    assert questions.lsoa_at(graph, 51.0 + big + 0.005, -0.995) == "E01000801"
    corners = graph.read(
        "MATCH (l:Lsoa {id: 'E01000800'}) RETURN l.box_south_west.latitude AS south, "
        "l.box_south_west.longitude AS west, l.box_north_east.latitude AS north"
    )
    assert corners == [{"south": 51.0, "west": -1.0, "north": 51.0 + big}]


def test_the_lsoa_of_a_point_is_sought_through_the_point_index(graph: db.Database) -> None:
    """The plan seeks the box corners' point index: no scan of every LSOA, which grows with
    England."""
    from nhgraph import queries

    with graph._driver.session(database=graph.name) as session:  # the plan is in the summary
        summary = session.run(
            "EXPLAIN " + queries.load("lsoas_around_point").text,
            {"latitude": 51.5, "longitude": -0.1, "reach": 0.05},
        ).consume()
    operators: list[str] = []

    def walk(step: dict[str, object]) -> None:
        operators.append(str(step.get("operatorType")))
        details = step.get("args", {})
        operators.append(str(details.get("Details", "")) if isinstance(details, dict) else "")
        for child in step.get("children", []):  # type: ignore[union-attr]
            walk(child)

    walk(summary.plan)  # type: ignore[arg-type]
    text = " ".join(operators)
    assert "POINT INDEX" in text, text
    assert "box_south_west" in text, text
    assert "NodeByLabelScan" not in text, text
    assert "AllNodesScan" not in text, text


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
        assert "SE1 7EH" in refused.value.message
        assert "1 postcodes" in refused.value.message
