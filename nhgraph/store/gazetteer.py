"""The gazetteer: which of the given areas and organisations the graph holds, and which LSOA
holds a point, for readers that match records of other systems to nhgraph's nodes (an HSDS
feed's service areas, its organisations, its locations' coordinates).

Each lookup is one named statement with the ids or points as parameters; the point's LSOA is
found as a resident's is (:func:`nhgraph.questions.lsoa_at`): the LSOAs whose bounding box
holds it, sought through the point index on the boxes' south-west corners, then a
point-in-polygon test on their boundaries.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from nhgraph import queries
from nhgraph.store.db import Reader


def _in_ring(latitude: float, longitude: float, ring: Sequence[Sequence[float]]) -> bool:
    """Ray casting on one GeoJSON ring of [longitude, latitude] positions."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > latitude) != (yj > latitude) and longitude < (xj - xi) * (latitude - yi) / (
            yj - yi
        ) + xi:
            inside = not inside
        j = i
    return inside


def point_in_geometry(latitude: float, longitude: float, geometry: Mapping[str, Any]) -> bool:
    """Whether a point is in a GeoJSON Polygon or MultiPolygon (holes respected)."""
    if geometry.get("type") == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry.get("type") == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        return False
    return any(
        rings
        and _in_ring(latitude, longitude, rings[0])
        and not any(_in_ring(latitude, longitude, hole) for hole in rings[1:])
        for rings in polygons
    )


#: How far south-west of a point (in degrees) the LSOAs whose box may hold it are sought, each
#: reach tried only when the one before found no boundary holding the point: a London LSOA
#: spans a hundredth of a degree, a rural one in England half a degree, and no LSOA five.
LSOA_REACHES: tuple[float, ...] = (0.05, 0.5, 5.0)


def known_areas(
    reader: Reader,
    *,
    lsoas: Collection[str] = (),
    places: Collection[str] = (),
    neighbourhoods: Collection[str] = (),
) -> set[tuple[str, str]]:
    """The (label, id) of the LSOAs, places and neighbourhoods named that the graph holds."""
    rows = reader.read(
        queries.load("areas_known"),
        {
            "lsoas": sorted(lsoas),
            "places": sorted(places),
            "neighbourhoods": sorted(neighbourhoods),
        },
    )
    return {(str(row["label"]), str(row["id"])) for row in rows}


def known_organisations(reader: Reader, ids: Collection[str]) -> set[str]:
    """The ids of the organisations named that the graph holds."""
    rows = reader.read(queries.load("organisations_known"), {"ids": sorted(ids)})
    return {str(row["id"]) for row in rows}


def lsoas_of_points(reader: Reader, points: Sequence[tuple[float, float]]) -> list[str | None]:
    """For each (latitude, longitude), the LSOA whose boundary holds it (None where no stored
    LSOA does), in one statement for all the points; each boundary is parsed once."""
    if not points:
        return []
    shapes: dict[str, Mapping[str, Any]] = {}
    found: list[str | None] = [None] * len(points)
    for reach in LSOA_REACHES:
        # LSOAs do not overlap: the first boundary that holds a point is its LSOA, and only the
        # points still unplaced are sought again, further south-west.
        left = [i for i, lsoa in enumerate(found) if lsoa is None]
        if not left:
            break
        rows = reader.read(
            queries.load("lsoas_around_points"),
            {
                "points": [
                    {"i": i, "latitude": points[i][0], "longitude": points[i][1]} for i in left
                ],
                "reach": reach,
            },
        )
        for row in rows:
            index, lsoa, boundary = int(row["i"]), str(row["lsoa"]), row["boundary"]
            if found[index] is not None or not boundary:
                continue
            shape = shapes.get(lsoa)
            if shape is None:
                shape = shapes[lsoa] = json.loads(boundary)
            latitude, longitude = points[index]
            if point_in_geometry(latitude, longitude, shape):
                found[index] = lsoa
    return found


class Gazetteer:
    """The gazetteer of one graph, as readers of other systems' records ask it."""

    def __init__(self, reader: Reader) -> None:
        """The gazetteer reading through this database or transaction."""
        self.reader = reader

    def known_areas(
        self, lsoas: set[str], places: set[str], neighbourhoods: set[str]
    ) -> set[tuple[str, str]]:
        """The (label, id) of the areas named that the graph holds."""
        return known_areas(self.reader, lsoas=lsoas, places=places, neighbourhoods=neighbourhoods)

    def known_organisations(self, ids: set[str]) -> set[str]:
        """The ids of the organisations named that the graph holds."""
        return known_organisations(self.reader, ids)

    def lsoas_of_points(self, points: Sequence[tuple[float, float]]) -> list[str | None]:
        """The LSOA holding each point (None where none does)."""
        return lsoas_of_points(self.reader, points)
