"""The map's layers, read from the graph: London's LSOAs, and the outlines of its neighbourhoods
and places, as GeoJSON, compressed once and cached until the graph changes.

The LSOA boundaries are the ONS generalised clipped ones the reference load stores. They are
already simplified by ONS for mapping; for the screen their coordinates are rounded to five
decimals (about a metre). A vertex two LSOAs share rounds to the same point in both, so
neighbours still meet with no gap, and London's layer falls from 7.2 MB to about 3.7 MB
(0.7 MB compressed). An outline is the union of its LSOAs' rounded boundaries (shapely), so it
follows exactly the edges the LSOA layer draws.

Every layer is built under the graph's version token (:mod:`nhgraph.store.version`), read before
the data: what is cached under a token is never older than the token, and the ETag the
browser revalidates with is the token, so an edit's change is drawn on the next fetch.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import mapping, shape

from nhgraph import queries
from nhgraph.store import version
from nhgraph.store.db import Database

#: Decimal places kept in a coordinate: 1e-5 degrees is about 1.1 m north-south in London.
PRECISION = 5
#: The layers served, by the name in their URL (``/map/{name}.geojson``).
LAYERS = ("lsoas", "areas")


@dataclass(frozen=True)
class Layer:
    """One layer as served: its JSON bytes, a gzip copy, and its ETag."""

    body: bytes
    gzipped: bytes
    etag: str
    features: int


def _rounded(coordinates: Any) -> Any:
    """The coordinates of a GeoJSON geometry, each number rounded to :data:`PRECISION`."""
    if coordinates and isinstance(coordinates[0], int | float):
        return [round(value, PRECISION) for value in coordinates]
    return [_rounded(part) for part in coordinates]


def _encode(collection: dict[str, Any], name: str, token: str | None) -> Layer:
    """The layer's bytes and ETag: the graph's token, or with none, a digest of the bytes."""
    body = json.dumps(collection, separators=(",", ":"), ensure_ascii=False).encode()
    tag = token or hashlib.sha256(body).hexdigest()[:24]
    return Layer(
        body=body,
        gzipped=gzip.compress(body, compresslevel=6, mtime=0),
        etag=f'"{name}-{tag}"',
        features=len(collection["features"]),
    )


@dataclass
class Memo:
    """What one build keeps for the next: each LSOA's rounded geometry (and its shapely shape)
    by the boundary text it came from, and each outline by the LSOAs it unites. An edit
    changes footprints, not boundaries: the next build parses no boundary again and unites
    only the areas whose LSOAs changed."""

    geometries: dict[str, tuple[str, dict[str, Any], Any]] = field(default_factory=dict)
    outlines: dict[tuple[str, ...], tuple[dict[str, Any], tuple[float, float]]] = field(
        default_factory=dict
    )


def _geometry(memo: Memo, code: str, boundary: str) -> tuple[dict[str, Any], Any]:
    held = memo.geometries.get(code)
    if held is not None and held[0] == boundary:
        return held[1], held[2]
    parsed = json.loads(boundary)
    geometry = {"type": parsed["type"], "coordinates": _rounded(parsed["coordinates"])}
    made = shape(geometry)
    memo.geometries[code] = (boundary, geometry, made)
    return geometry, made


def _lsoa_features(
    rows: Iterable[dict[str, Any]], memo: Memo
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The LSOA features, and each LSOA's shape by code (for the outlines)."""
    features: list[dict[str, Any]] = []
    shapes: dict[str, Any] = {}
    for row in rows:
        if not row["boundary"]:
            continue  # an LSOA loaded without a boundary is not drawn (the load warns of it)
        geometry, shapes[row["id"]] = _geometry(memo, row["id"], row["boundary"])
        hoods = list(row["neighbourhoods"])
        features.append(
            {
                "type": "Feature",
                "id": row["id"],
                "geometry": geometry,
                "properties": {
                    "id": row["id"],
                    "name": row["name"],
                    "place": row["place"],
                    "placeName": row["place_name"],
                    "population": row["population"],
                    "imdDecile": row["imd_decile"],
                    "neighbourhoods": hoods,
                    # MapLibre's expressions colour by a scalar: the first footprint, and how
                    # many there are (0 is a gap, 2 or more an overlap).
                    "neighbourhood": hoods[0] if hoods else None,
                    "neighbourhoodCount": len(hoods),
                },
            }
        )
    return features, shapes


def _outline(parts: list[Any]) -> Any:
    """The union of LSOAs that meet edge to edge (a coverage: fast, about 1 ms an area). Where
    rounding has left a ring touching itself, the coverage union is refused or not valid: then
    a fixed-precision overlay on the grid the coordinates are on, which is robust to it."""
    try:
        union = shapely.coverage_union_all(parts)
    except shapely.errors.GEOSException:
        union = None
    if union is not None and union.is_valid:
        return union
    return shapely.union_all(parts, grid_size=10**-PRECISION)


def _area_features(
    rows: Iterable[dict[str, Any]], shapes: dict[str, Any], memo: Memo
) -> list[dict[str, Any]]:
    """Each neighbourhood's and place's outline (the union of its LSOAs), and a point inside it
    for its label."""
    features: list[dict[str, Any]] = []
    outlines: dict[tuple[str, ...], tuple[dict[str, Any], tuple[float, float]]] = {}
    for row in rows:
        codes = tuple(code for code in row["lsoas"] if code in shapes)
        if not codes:
            continue
        held = memo.outlines.get(codes)
        if held is None:
            union = _outline([shapes[code] for code in codes])
            anchor = union.point_on_surface()
            outline = mapping(union)
            held = (
                {"type": outline["type"], "coordinates": _rounded(outline["coordinates"])},
                (round(anchor.x, PRECISION), round(anchor.y, PRECISION)),
            )
        outlines[codes] = held
        geometry, (longitude, latitude) = held
        features.append(
            {
                "type": "Feature",
                "id": f"{row['kind']}/{row['id']}",
                "geometry": geometry,
                "properties": {
                    "kind": row["kind"],
                    "id": row["id"],
                    "name": row["name"],
                    "place": row["place"],
                    "lsoaCount": len(row["lsoas"]),
                    "labelLongitude": longitude,
                    "labelLatitude": latitude,
                },
            }
        )
    memo.outlines = outlines  # only what this graph has: the memo never outgrows it
    return features


def build(database: Database, memo: Memo | None = None) -> tuple[str | None, dict[str, Layer]]:
    """Every layer, read from the graph under its current version token (read first: what is
    built is never older than the token it is filed under)."""
    memo = memo if memo is not None else Memo()
    token = version.current(database)
    features, shapes = _lsoa_features(database.read(queries.load("map_lsoas")), memo)
    for code in set(memo.geometries) - set(shapes):
        del memo.geometries[code]
    areas = _area_features(database.read(queries.load("map_areas")), shapes, memo)
    return token, {
        "lsoas": _encode({"type": "FeatureCollection", "features": features}, "lsoas", token),
        "areas": _encode({"type": "FeatureCollection", "features": areas}, "areas", token),
    }


class LayerCache:
    """The layers of one graph, rebuilt when its version token changes (one build at a time:
    a second request waits for the first's rather than building its own). With no token (a
    graph written by hand or emptied), every request builds afresh and the ETag is of the
    content."""

    def __init__(self, database: Database) -> None:
        """An empty cache of this database's layers."""
        self.database = database
        self._lock = threading.Lock()
        self._memo = Memo()
        self._token: str | None = None
        self._layers: dict[str, Layer] = {}

    def get(self, name: str) -> Layer:
        """The layer of this name as the graph now stands (KeyError for an unknown name)."""
        if name not in LAYERS:
            raise KeyError(name)
        token = version.current(self.database)
        with self._lock:
            if token is not None and token == self._token and name in self._layers:
                return self._layers[name]
            built_under, layers = build(self.database, self._memo)
            self._token, self._layers = (built_under, layers) if built_under else (None, {})
            return layers[name]

    def warm(self) -> None:
        """Build the layers now (at the API's start, so the first visitor does not wait)."""
        self.get(LAYERS[0])
