"""The map's layers on London: every LSOA drawn, coordinates rounded for the screen, and no gap
opened between neighbours by the rounding; outlines valid and following their LSOAs."""

from __future__ import annotations

import json
from typing import Any

import pytest
import shapely
from shapely.geometry import shape

from nhgraph.store import db
from nhgraph.web.layers import PRECISION, Memo, build

PLACES = ("E09000007", "E09000003", "E09000012", "E09000001")  # Camden, Barnet, Hackney, City


@pytest.fixture(scope="module")
def layers(london: db.Database) -> dict[str, Any]:
    _, built = build(london, Memo())
    return {name: json.loads(layer.body) for name, layer in built.items()}


def _coordinates(geometry: dict[str, Any]) -> list[float]:
    def walk(part: Any) -> Any:
        if isinstance(part[0], int | float):
            yield from part
        else:
            for inner in part:
                yield from walk(inner)

    return list(walk(geometry["coordinates"]))


def test_every_lsoa_with_a_boundary_is_in_the_layer(
    london: db.Database, layers: dict[str, Any]
) -> None:
    [row] = london.read("MATCH (l:Lsoa) WHERE l.boundary IS NOT NULL RETURN count(l) AS n")
    assert len(layers["lsoas"]["features"]) == row["n"] == 4994


def test_coordinates_are_rounded_to_the_screens_precision(layers: dict[str, Any]) -> None:
    values = [v for f in layers["lsoas"]["features"][:500] for v in _coordinates(f["geometry"])]
    assert len(values) > 10_000
    assert all(round(v, PRECISION) == v for v in values)


@pytest.mark.parametrize("place", PLACES)
def test_rounding_opens_no_gap_between_neighbours(
    london: db.Database, layers: dict[str, Any], place: str
) -> None:
    """The union of a place's rounded LSOAs has the holes the union of its ONS boundaries has,
    and no more: a gap between neighbours would be a new hole."""
    source = [
        shape(json.loads(row["boundary"]))
        for row in london.read(
            "MATCH (l:Lsoa)-[:IN_PLACE]->(:Place {id: $place}) RETURN l.boundary AS boundary",
            {"place": place},
        )
    ]
    rounded = [
        shape(f["geometry"])
        for f in layers["lsoas"]["features"]
        if f["properties"]["place"] == place
    ]
    assert len(rounded) == len(source) > 0

    def holes(union: Any) -> int:
        polygons = getattr(union, "geoms", [union])
        return sum(len(p.interiors) for p in polygons)

    before = shapely.union_all(source)
    after = shapely.union_all(rounded, grid_size=10**-PRECISION)
    assert holes(after) <= holes(before)
    assert abs(after.area - before.area) / before.area < 1e-3


def test_outlines_are_valid_and_cover_their_lsoas(layers: dict[str, Any]) -> None:
    areas = layers["areas"]["features"]
    kinds = {f["properties"]["kind"] for f in areas}
    assert kinds == {"place", "neighbourhood"}
    assert sum(f["properties"]["kind"] == "place" for f in areas) == 33
    for feature in areas:
        outline = shape(feature["geometry"])
        assert outline.is_valid, feature["id"]
        label = shapely.Point(
            feature["properties"]["labelLongitude"], feature["properties"]["labelLatitude"]
        )
        assert outline.buffer(1e-4).contains(label), feature["id"]


def test_a_second_build_reads_no_boundary_again(london: db.Database) -> None:
    memo = Memo()
    build(london, memo)
    kept = dict(memo.geometries)
    before = london.round_trips
    build(london, memo)
    assert london.round_trips - before == 3  # the version, the LSOAs, the areas: no boundaries
    assert memo.geometries.keys() == kept.keys()
