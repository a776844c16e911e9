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


def _encode(text: str, features: int, name: str, token: str | None) -> Layer:
    """The layer's bytes and ETag: the graph's token, or with none, a digest of the bytes."""
    body = text.encode()
    tag = token or hashlib.sha256(body).hexdigest()[:24]
    return Layer(
        body=body,
        gzipped=gzip.compress(body, compresslevel=6, mtime=0),
        etag=f'"{name}-{tag}"',
        features=features,
    )


@dataclass
class Memo:
    """What one build keeps for the next: each LSOA's rounded geometry (as JSON text, and as a
    shapely shape) by the content hash of the node it came from, and each outline (as JSON
    text, with its label point) by the LSOAs it unites. An edit changes footprints, not
    boundaries: the next build reads no boundary again, parses none and unites only the areas
    whose LSOAs changed."""

    geometries: dict[str, tuple[str | None, str, Any]] = field(default_factory=dict)
    outlines: dict[tuple[str, ...], tuple[str, tuple[float, float]]] = field(default_factory=dict)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _read_geometries(database: Database, rows: list[dict[str, Any]], memo: Memo) -> None:
    """Bring the memo's geometries up to the rows' hashes, reading only the boundaries of the
    LSOAs that are new or changed, and forgetting those no longer in the graph."""
    stale = [
        row["id"]
        for row in rows
        if row["id"] not in memo.geometries or memo.geometries[row["id"]][0] != row["hash"]
    ]
    for found in (
        database.read(queries.load("map_lsoa_boundaries"), {"ids": stale}) if stale else []
    ):
        if not found["boundary"]:
            memo.geometries.pop(found["id"], None)  # an LSOA without a boundary is not drawn
            continue
        parsed = json.loads(found["boundary"])
        geometry = {"type": parsed["type"], "coordinates": _rounded(parsed["coordinates"])}
        memo.geometries[found["id"]] = (found["hash"], _dumps(geometry), _valid(shape(geometry)))
    present = {row["id"] for row in rows}
    for code in set(memo.geometries) - present:
        del memo.geometries[code]


def _valid(polygon: Any) -> Any:
    """A boundary as the outlines unite it: rounding can leave a ring crossing or touching
    itself (122 of England's LSOAs, a few of London's), and GEOS then refuses to unite some
    areas at all ("side location conflict": Cornwall, Fenland, Chichester). Such a boundary is
    mended by its structure, kept polygonal (a collapsed sliver is dropped), and put back on
    the grid of the rounded coordinates, so that an outline made of it stays valid once
    rounded: its area moves by less than 0.05%. The LSOA layer still draws the rounded
    boundary as it is."""
    if polygon.is_valid:
        return polygon
    mended = shapely.make_valid(polygon, method="structure", keep_collapsed=False)
    return shapely.set_precision(mended, 10**-PRECISION)


def _lsoa_layer(rows: list[dict[str, Any]], memo: Memo) -> tuple[str, int]:
    """The LSOA FeatureCollection as JSON text (each geometry's text from the memo), and how
    many features it holds."""
    parts: list[str] = []
    for row in rows:
        held = memo.geometries.get(row["id"])
        if held is None:
            continue
        hoods = list(row["neighbourhoods"])
        properties = {
            "id": row["id"],
            "name": row["name"],
            "place": row["place"],
            "placeName": row["place_name"],
            "population": row["population"],
            "imdDecile": row["imd_decile"],
            "neighbourhoods": hoods,
            # MapLibre's expressions colour by a scalar: the first footprint, and how many
            # there are (0 is a gap, 2 or more an overlap).
            "neighbourhood": hoods[0] if hoods else None,
            "neighbourhoodCount": len(hoods),
        }
        parts.append(
            f'{{"type":"Feature","id":{_dumps(row["id"])},"geometry":{held[1]},'
            f'"properties":{_dumps(properties)}}}'
        )
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}", len(parts)


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


def _area_layer(rows: Iterable[dict[str, Any]], memo: Memo) -> tuple[str, int]:
    """Each neighbourhood's and place's outline (the union of its LSOAs) with a point inside it
    for its label, as a FeatureCollection's JSON text, and how many features it holds."""
    shapes = {code: held[2] for code, held in memo.geometries.items()}
    parts: list[str] = []
    outlines: dict[tuple[str, ...], tuple[str, tuple[float, float]]] = {}
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
                _dumps({"type": outline["type"], "coordinates": _rounded(outline["coordinates"])}),
                (round(anchor.x, PRECISION), round(anchor.y, PRECISION)),
            )
        outlines[codes] = held
        text, (longitude, latitude) = held
        properties = {
            "kind": row["kind"],
            "id": row["id"],
            "name": row["name"],
            "place": row["place"],
            "lsoaCount": len(row["lsoas"]),
            "labelLongitude": longitude,
            "labelLatitude": latitude,
        }
        parts.append(
            f'{{"type":"Feature","id":{_dumps(row["kind"] + "/" + row["id"])},"geometry":{text},'
            f'"properties":{_dumps(properties)}}}'
        )
    memo.outlines = outlines  # only what this graph has: the memo never outgrows it
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}", len(parts)


def build(database: Database, memo: Memo | None = None) -> tuple[str | None, dict[str, Layer]]:
    """Every layer, read from the graph under its current version token (read first: what is
    built is never older than the token it is filed under)."""
    memo = memo if memo is not None else Memo()
    token = version.current(database)
    rows = database.read(queries.load("map_lsoas"))
    _read_geometries(database, rows, memo)
    lsoas = _lsoa_layer(rows, memo)
    areas = _area_layer(database.read(queries.load("map_areas")), memo)
    return token, {
        "lsoas": _encode(*lsoas, "lsoas", token),
        "areas": _encode(*areas, "areas", token),
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
