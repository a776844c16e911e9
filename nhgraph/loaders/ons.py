"""ONS geography: the regions, ICB systems, local authorities (places) and 2021 LSOAs of
London (the default) or of any regions of England, with Census 2021 population and the English
Indices of Deprivation 2025 decile."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Annotated, Any

import orjson
from pydantic import TypeAdapter, ValidationError

from nhgraph.loaders.bounded import read_json
from nhgraph.loaders.csvfiles import rows
from nhgraph.loaders.errors import InputError, Problem
from nhgraph.loaders.reference import Reference, as_reference
from nhgraph.loaders.sources import SourceData, register
from nhgraph.schema.bounds import Latitude, Longitude
from nhgraph.schema.models import Lsoa, Organisation, Place, Region, System

_LATITUDE: TypeAdapter[float] = TypeAdapter(Latitude)
_LONGITUDE: TypeAdapter[float] = TypeAdapter(Longitude)


@register("ons-geography")
def load_geography(source: Path | Reference) -> SourceData:
    """The ONS geography of the regions kept (London by default): the regions, ICBs, local
    authorities as places and their councils, and LSOAs with their system, deprivation decile
    and boundaries.

    A place is part of every system its LSOAs are in (ONS's LSOA to sub-ICB to ICB lookup, where
    the folder has it; else the place's one ICB from the local authority file), largest share
    first; a system is in every region its kept LSOAs are in.
    """
    reference = as_reference(source)
    data = SourceData("ONS geography (OGL v3.0)", "LSOA 2021; ICB April 2024; IoD 2025")
    places_file = reference.file("lads.csv" if reference.prefix == "england" else "boroughs.csv")
    place_rows = [
        (line, row)
        for line, row in rows(places_file, ["LAD_CODE", "LAD_NAME", "RGN_CODE", "ICB24CDH"])
        if reference.keeps(row["RGN_CODE"])
    ]
    region_names = {
        row["RGN_CODE"]: row.get("RGN_NAME") or row["RGN_CODE"] for _, row in place_rows
    }
    for code, name in sorted(region_names.items()):
        data.add(Region, places_file, 0, {"id": code, "name": name})
    lsoa_file = reference.file("lsoa21.csv")
    lsoa_rows = [
        (line, row)
        for line, row in rows(lsoa_file, ["LSOA21CD", "LSOA21NM", "LAD_CODE", "RGNCD"])
        if reference.keeps(row["RGNCD"])
    ]
    lsoa_system = _lsoa_systems(reference, data)
    place_system = {row["LAD_CODE"]: row["ICB24CDH"] for _, row in place_rows if row["ICB24CDH"]}
    shares: dict[str, Counter[str]] = defaultdict(Counter)
    system_regions: dict[str, set[str]] = defaultdict(set)
    for _, row in lsoa_rows:
        system = lsoa_system.get(row["LSOA21CD"]) or place_system.get(row["LAD_CODE"])
        if system:
            shares[row["LAD_CODE"]][system] += 1
            system_regions[system].add(row["RGNCD"])
    icbs = reference.file("icbs.csv")
    for line, row in rows(icbs, ["ICB24CD", "ICB24CDH", "ICB24NM"]):
        if row["ICB24CDH"] not in system_regions:
            data.skipped["ICBs: no LSOA in the regions loaded"] += 1
            continue
        data.add(
            System,
            icbs,
            line,
            {
                "id": row["ICB24CDH"],
                "ons_code": row["ICB24CD"],
                "name": row["ICB24NM"],
                "regions": sorted(system_regions[row["ICB24CDH"]]),
            },
        )
    places: set[str] = set()
    for line, row in place_rows:
        code = row["LAD_CODE"]
        places.add(code)
        systems = [s for s, _ in sorted(shares[code].items(), key=lambda kv: (-kv[1], kv[0]))]
        if len(systems) > 1:
            data.skipped[f"places split across systems (kept, in each): {code}"] += 1
        data.add(
            Place,
            places_file,
            line,
            {"id": code, "name": row["LAD_NAME"], "systems": systems or [row["ICB24CDH"]]},
        )
        data.add(
            Organisation,
            places_file,
            line,
            {
                "id": f"ons:{code}",
                "name": f"{row['LAD_NAME']} council",
                "kind": "local_authority",
                "places": [code],
            },
        )
    population_file = reference.file("lsoa21_population_census2021.csv")
    population = _lsoa_values(
        data, population_file, "LSOA21CD", "usual_residents_2021", "population"
    )
    imd_file = reference.file("lsoa21_imd2025.csv")
    decile = _lsoa_values(data, imd_file, "lsoa21_code", "IMD_decile", "imd_decile")
    msoa_file = reference.file("lsoa21_msoa21_derived.csv")
    msoa = {
        row["LSOA21CD"]: row["MSOA21CD"] for _, row in rows(msoa_file, ["LSOA21CD", "MSOA21CD"])
    }
    boundaries: dict[str, dict[str, object]] = {}
    for path in reference.boundary_files():
        boundaries.update(_boundaries(path, data))
    for line, row in lsoa_rows:
        code = row["LSOA21CD"]
        if row["LAD_CODE"] not in places:
            data.problems.append(
                Problem(
                    str(lsoa_file), line, f"Lsoa {code} place", f"unknown place {row['LAD_CODE']!r}"
                )
            )
            continue
        data.add(
            Lsoa,
            lsoa_file,
            line,
            {
                "id": code,
                "name": row["LSOA21NM"],
                "place": row["LAD_CODE"],
                "system": lsoa_system.get(code),
                "msoa": msoa.get(code),
                "population": population.get(code),
                "imd_decile": decile.get(code),
                **boundaries.get(code, {}),
            },
        )
    return data.check()


def _lsoa_systems(reference: Reference, data: SourceData) -> dict[str, str]:
    """LSOA -> its ICB's ODS code, from ONS's LSOA21 to sub-ICB to ICB lookup where the folder
    has it (the shipped London extract does not: each London borough lies in one ICB)."""
    path = reference.file("lsoa21_subicb_icb.csv")
    if not path.exists():
        data.skipped["LSOA systems: no LSOA to ICB lookup, each LSOA in its place's system"] += 1
        return {}
    return {row["LSOA21CD"]: row["ICB24CDH"] for _, row in rows(path, ["LSOA21CD", "ICB24CDH"])}


def _lsoa_values(
    data: SourceData, path: Path, code_column: str, column: str, field: str
) -> dict[str, object]:
    """One column of a file of LSOA figures, each value checked against the domain of the
    Lsoa field it fills, so that a value out of it is named by this file's line."""
    domain = Lsoa.model_fields[field]
    check: TypeAdapter[object] = TypeAdapter(Annotated[domain.annotation, domain])  # type: ignore[arg-type]
    found: dict[str, object] = {}
    for line, row in rows(path, [code_column, column]):
        try:
            found[row[code_column]] = check.validate_python(row[column] or None)
        except ValidationError as error:
            issue = error.errors()[0]
            data.problems.append(
                Problem(
                    str(path),
                    line,
                    f"Lsoa {row[code_column]} {column}",
                    f"{issue['msg']} (value {row[column]!r})",
                )
            )
    return found


#: Decimals an LSOA boundary's coordinates keep: about 0.1 m, as RFC 7946 (section 11.2)
#: advises, and far finer than a generalised boundary's own error (ONS's BGC is generalised to
#: 20 m). ONS publishes up to 15; the six kept make England's 33,755 boundaries about half the
#: text, which is much of the transaction memory that a first load of England needs.
COORDINATE_DECIMALS = 6


def _require_lsoa_polygon(code: object, geometry: Any) -> None:
    """The check that a boundary feature is an LSOA polygon: a ValueError otherwise, which
    :func:`_boundaries` reports against that feature."""
    if not isinstance(code, str) or geometry["type"] not in ("Polygon", "MultiPolygon"):
        raise ValueError("a Polygon or MultiPolygon with an LSOA21CD is expected")


def _boundaries(path: Path, data: SourceData) -> dict[str, dict[str, object]]:
    """LSOA boundaries (ONS, generalised clipped) as GeoJSON text with their bounding boxes."""
    if not path.exists():
        data.skipped["LSOA boundaries: no GeoJSON file, LSOAs loaded without them"] += 1
        return {}
    document = read_json(path)
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        raise InputError(
            [Problem(str(path), None, "", "is not GeoJSON: no list of 'features'")],
            unreadable=True,
        )
    found: dict[str, dict[str, object]] = {}
    for index, feature in enumerate(features):
        try:
            code = feature["properties"]["LSOA21CD"]
            geometry = feature["geometry"]
            rings = geometry["coordinates"]
            _require_lsoa_polygon(code, geometry)
            polygons = [rings] if geometry["type"] == "Polygon" else rings
            polygons = [
                [
                    [[round(float(c), COORDINATE_DECIMALS) for c in p] for p in ring]
                    for ring in polygon
                ]
                for polygon in polygons
            ]
            geometry = {
                "type": geometry["type"],
                "coordinates": polygons[0] if geometry["type"] == "Polygon" else polygons,
            }
            points = [point for polygon in polygons for ring in polygon for point in ring]
            longitudes = [float(p[0]) for p in points]
            latitudes = [float(p[1]) for p in points]
            box = {
                "min_latitude": min(latitudes),
                "max_latitude": max(latitudes),
                "min_longitude": min(longitudes),
                "max_longitude": max(longitudes),
            }
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise InputError(
                [
                    Problem(
                        str(path), None, f"features[{index}]", f"is not an LSOA polygon: {error}"
                    )
                ],
                unreadable=True,
            ) from error
        for corner, value in box.items():
            try:
                (_LATITUDE if "latitude" in corner else _LONGITUDE).validate_python(value)
            except ValidationError as error:
                raise InputError(
                    [
                        Problem(
                            str(path),
                            None,
                            f"features[{index}] ({code})",
                            f"{corner} {value}: {error.errors()[0]['msg']}",
                        )
                    ],
                    unreadable=False,
                ) from error
        # orjson writes what json.dumps(separators=(",", ":")) does for a geometry (numbers as
        # Python's shortest repr), several times faster.
        found[code] = {"boundary": orjson.dumps(geometry).decode(), **box}
    return found
