"""ONS geography: the region, ICB systems, boroughs (places) and 2021 LSOAs of London, with
Census 2021 population and the English Indices of Deprivation 2025 decile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError

from nhgraph.loaders.bounded import read_json
from nhgraph.loaders.csvfiles import rows
from nhgraph.loaders.errors import InputError, Problem
from nhgraph.loaders.sources import SourceData, register
from nhgraph.schema.bounds import Latitude, Longitude
from nhgraph.schema.identifiers import LONDON
from nhgraph.schema.models import Lsoa, Organisation, Place, Region, System

_LATITUDE: TypeAdapter[float] = TypeAdapter(Latitude)
_LONGITUDE: TypeAdapter[float] = TypeAdapter(Longitude)


@register("ons-geography")
def load_geography(folder: Path) -> SourceData:
    """London's ONS geography from the reference folder: the region, ICBs, boroughs as places and
    their councils, and LSOAs with their deprivation decile and boundaries."""
    data = SourceData("ONS geography (OGL v3.0)", "LSOA 2021; ICB April 2024; IoD 2025")
    data.add(Region, folder, 0, {"id": LONDON, "name": "London"})
    icbs = folder / "london_icbs.csv"
    for line, row in rows(icbs, ["ICB24CD", "ICB24CDH", "ICB24NM"]):
        data.add(
            System,
            icbs,
            line,
            {
                "id": row["ICB24CDH"],
                "ons_code": row["ICB24CD"],
                "name": row["ICB24NM"],
                "region": LONDON,
            },
        )
    boroughs = folder / "london_boroughs.csv"
    places: set[str] = set()
    for line, row in rows(boroughs, ["LAD_CODE", "LAD_NAME", "ICB24CDH"]):
        places.add(row["LAD_CODE"])
        data.add(
            Place,
            boroughs,
            line,
            {"id": row["LAD_CODE"], "name": row["LAD_NAME"], "system": row["ICB24CDH"]},
        )
        data.add(
            Organisation,
            boroughs,
            line,
            {
                "id": f"ons:{row['LAD_CODE']}",
                "name": f"{row['LAD_NAME']} council",
                "kind": "local_authority",
                "places": [row["LAD_CODE"]],
            },
        )
    population_file = folder / "london_lsoa21_population_census2021.csv"
    population = _lsoa_values(
        data, population_file, "LSOA21CD", "usual_residents_2021", "population"
    )
    imd_file = folder / "london_lsoa21_imd2025.csv"
    decile = _lsoa_values(data, imd_file, "lsoa21_code", "IMD_decile", "imd_decile")
    msoa_file = folder / "london_lsoa21_msoa21_derived.csv"
    msoa = {
        row["LSOA21CD"]: row["MSOA21CD"] for _, row in rows(msoa_file, ["LSOA21CD", "MSOA21CD"])
    }
    boundaries = _boundaries(folder / "geo" / "london_lsoa21_bgc.geojson", data)
    lsoa_file = folder / "london_lsoa21.csv"
    for line, row in rows(lsoa_file, ["LSOA21CD", "LSOA21NM", "LAD_CODE"]):
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
                "msoa": msoa.get(code),
                "population": population.get(code),
                "imd_decile": decile.get(code),
                **boundaries.get(code, {}),
            },
        )
    return data.check()


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
            if geometry["type"] == "Polygon":
                rings = [rings]
            points = [point for polygon in rings for ring in polygon for point in ring]
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
        found[code] = {"boundary": json.dumps(geometry, separators=(",", ":")), **box}
    return found
