"""The bad-input corpus, reference side: the ONS and ODS CSV files, the postcode extract and
the GeoJSON boundaries, each broken in one place in a copy of ``data/reference``.

The copy is a folder of links to the shipped files; a case replaces the one file it breaks,
so that a case costs one file written, not the whole reference data copied.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

from nhgraph.config import PROJECT_ROOT
from nhgraph.schema.bounds import NAME_MAX, POPULATION_MAX

from .bad_inputs import Case

REFERENCE = PROJECT_ROOT / "data" / "reference"
EPRACCUR = "london_gp_practices_epraccur.csv"
LSOAS = "london_lsoa21.csv"
POPULATION = "london_lsoa21_population_census2021.csv"
IMD = "london_lsoa21_imd2025.csv"
PARTNERS = "london_pcn_core_partners_epcn.csv"
EXTRACT = "london_postcode_lsoa21_partial.csv"
GEOJSON = "geo/london_lsoa21_bgc.geojson"


def reference_copy(target: Path) -> Path:
    """A folder of links to the shipped reference files."""
    for source in REFERENCE.rglob("*"):
        if source.is_file():
            link = target / source.relative_to(REFERENCE)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(source)
    return target


def _replace(folder: Path, name: str, data: bytes) -> None:
    path = folder / name
    path.unlink()
    path.write_bytes(data)


def _text(name: str, change: Callable[[str], str | bytes]) -> Callable[[Path], str | None]:
    """The file with its whole text changed."""

    def build(folder: Path) -> str | None:
        changed = change((REFERENCE / name).read_text(encoding="utf-8"))
        _replace(folder, name, changed.encode("utf-8") if isinstance(changed, str) else changed)
        return None

    return build


def _cell(
    name: str,
    column: str,
    value: str,
    where: Callable[[dict[str, str]], bool] = lambda _row: True,
) -> Callable[[Path], str | None]:
    """The file with one cell of the first row ``where`` picks set to ``value``; the case
    names that row's line."""

    def build(folder: Path) -> str | None:
        lines = (REFERENCE / name).read_text(encoding="utf-8").splitlines(keepends=True)
        header = next(csv.reader([lines[0]]))
        for index, line in enumerate(lines[1:], 1):
            row = dict(zip(header, next(csv.reader([line])), strict=True))
            if where(row):
                row[column] = value
                out = io.StringIO()
                csv.writer(out, lineterminator="\n").writerow([row[h] for h in header])
                lines[index] = out.getvalue()
                _replace(folder, name, "".join(lines).encode("utf-8"))
                return f"{Path(name).name}:{index + 1}:"
        raise AssertionError(f"no row of {name} to change")

    return build


def _geojson(document: object) -> Callable[[Path], str | None]:
    """A boundary file of one feature (LSOAs without one load without a boundary)."""

    def build(folder: Path) -> str | None:
        text = document if isinstance(document, str) else json.dumps(document)
        _replace(folder, GEOJSON, text.encode("utf-8"))
        return None

    return build


def _feature(geometry: object, code: object = "E01000001") -> dict[str, object]:
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"LSOA21CD": code}, "geometry": geometry}],
    }


SQUARE = [[[-0.1, 51.5], [-0.09, 51.5], [-0.09, 51.51], [-0.1, 51.5]]]


def _padded(name: str) -> Callable[[Path], str | None]:
    return _text(name, lambda text: text + "#" * (1 << 20) + "\n")


def _sparse(name: str, size: int) -> Callable[[Path], str | None]:
    def build(folder: Path) -> str | None:
        (folder / name).unlink()
        with (folder / name).open("wb") as handle:
            handle.truncate(size)
        return None

    return build


def _case(
    name: str,
    importer: str,
    build: Callable[[Path], str | None],
    exit_code: int,
    says: str,
    at: str = "",
    env: dict[str, str] | None = None,
) -> Case:
    return Case(name, importer, build, exit_code, says, at, env or {})


ONS, ODS, POSTCODES = "ons-geography", "ods-organisations", "ons-postcodes"
LONG = "x" * (NAME_MAX + 1)

REFERENCE_CASES: list[Case] = [
    # -- ONS geography CSVs ---------------------------------------------------------------------
    _case(
        "lsoas-lack-a-column",
        ONS,
        _text(LSOAS, lambda t: t.replace(",LAD_CODE,", ",LAD,", 1)),
        2,
        "lacks the column(s) LAD_CODE",
        f"{LSOAS}:1:",
    ),
    _case(
        "lsoas-in-latin-1",
        ONS,
        _text(LSOAS, lambda t: t.replace("Camden 001A", "Camdén 001A").encode("latin-1")),
        2,
        "is not UTF-8",
        f"{LSOAS}:",
    ),
    _case(
        "lsoas-truncated",
        ONS,
        _text(LSOAS, lambda t: t[: t.index("\n", 5000) + 12] + "\n"),
        2,
        "fields where the header has",
        f"{LSOAS}:",
    ),
    _case(
        "lsoas-unclosed-quote",
        ONS,
        _text(LSOAS, lambda t: t.replace("\nE01000050,", '\nE01000050,"Unclosed', 1)),
        2,
        "is not valid CSV",
        f"{LSOAS}:",
    ),
    _case(
        "boroughs-empty",
        ONS,
        _text("london_boroughs.csv", lambda _t: ""),
        2,
        "is empty",
        "london_boroughs.csv:",
    ),
    _case(
        "lsoa-in-an-unknown-place",
        ONS,
        _cell(LSOAS, "LAD_CODE", "E09999999"),
        1,
        "unknown place 'E09999999'",
    ),
    _case(
        "lsoa-code-in-full-width-digits",
        ONS,
        _cell(LSOAS, "LSOA21CD", "E0100000\uff11"),
        1,
        "is not an ONS LSOA code",
    ),
    _case(
        "lsoas-with-a-nul-byte",
        ONS,
        _text(LSOAS, lambda t: t.replace("Camden 001A", "Camden\x00001A")),
        2,
        "holds a NUL character",
        f"{LSOAS}:",
    ),
    _case(
        "lsoa-name-past-the-csv-field-limit",
        ONS,
        _cell(LSOAS, "LSOA21NM", "n" * 200_000),
        2,
        "field larger than field limit",
    ),
    _case(
        "lsoa-name-past-its-bound",
        ONS,
        _cell(LSOAS, "LSOA21NM", LONG),
        1,
        f"at most {NAME_MAX} characters",
    ),
    _case(
        "census-population-beyond-64-bits",
        ONS,
        _cell(POPULATION, "usual_residents_2021", str(10**30)),
        1,
        f"less than or equal to {POPULATION_MAX}",
    ),
    _case(
        "population-negative",
        ONS,
        _cell(POPULATION, "usual_residents_2021", "-5"),
        1,
        "greater than or equal to 0",
    ),
    _case(
        "population-as-words",
        ONS,
        _cell(POPULATION, "usual_residents_2021", "many"),
        1,
        "valid integer",
    ),
    _case(
        "population-in-arabic-indic-digits",
        ONS,
        _cell(POPULATION, "usual_residents_2021", "\u0661\u0665\u0660\u0660"),
        1,
        "valid integer",
    ),
    _case(
        "imd-file-decile-eleven", ONS, _cell(IMD, "IMD_decile", "11"), 1, "less than or equal to 10"
    ),
    _case("imd-decile-zero", ONS, _cell(IMD, "IMD_decile", "0"), 1, "greater than or equal to 1"),
    _case(
        "icb-code-in-arabic-indic-digits",
        ONS,
        _cell("london_icbs.csv", "ICB24CD", "E5400002\u0668"),
        1,
        "is not an ONS integrated care board code",
    ),
    _case(
        "boroughs-past-a-lowered-limit",
        ONS,
        _padded("london_boroughs.csv"),
        2,
        "more than 1 MB (the limit, NHGRAPH_INPUT_MAX_MB)",
        "london_boroughs.csv:",
        {"NHGRAPH_INPUT_MAX_MB": "1"},
    ),
    # -- GeoJSON boundaries ---------------------------------------------------------------------
    _case(
        "boundaries-not-json",
        ONS,
        _geojson("{not json"),
        2,
        "is not valid JSON",
        "london_lsoa21_bgc.geojson:1:",
    ),
    _case(
        "boundaries-without-features",
        ONS,
        _geojson({"type": "FeatureCollection"}),
        2,
        "no list of 'features'",
        "london_lsoa21_bgc.geojson:",
    ),
    _case(
        "boundaries-features-a-number",
        ONS,
        _geojson({"features": 5}),
        2,
        "no list of 'features'",
        "london_lsoa21_bgc.geojson:",
    ),
    _case(
        "boundary-without-coordinates",
        ONS,
        _geojson(_feature({"type": "Polygon", "coordinates": []})),
        2,
        "is not an LSOA polygon",
        "london_lsoa21_bgc.geojson: features[0]",
    ),
    _case(
        "boundary-a-point",
        ONS,
        _geojson(_feature({"type": "Point", "coordinates": [0, 51]})),
        2,
        "is not an LSOA polygon",
        "london_lsoa21_bgc.geojson: features[0]",
    ),
    _case(
        "boundary-code-a-list",
        ONS,
        _geojson(_feature({"type": "Polygon", "coordinates": SQUARE}, code=["E01000001"])),
        2,
        "is not an LSOA polygon",
        "london_lsoa21_bgc.geojson: features[0]",
    ),
    _case(
        "boundary-latitude-nan",
        ONS,
        _geojson(
            json.dumps(
                _feature(
                    {"type": "Polygon", "coordinates": [[[-0.1, float("nan")], [-0.09, 51.5]]]}
                )
            )
        ),
        # NaN and a number past a double are not JSON: the boundaries' strict parser (orjson)
        # refuses the file before any feature is read, naming where.
        2,
        "is not valid JSON",
        "london_lsoa21_bgc.geojson:1:",
    ),
    _case(
        "boundary-latitude-1e400",
        ONS,
        _geojson(
            json.dumps(_feature({"type": "Polygon", "coordinates": SQUARE})).replace(
                "51.51", "1e400"
            )
        ),
        # NaN and a number past a double are not JSON: the boundaries' strict parser (orjson)
        # refuses the file before any feature is read, naming where.
        2,
        "is not valid JSON",
        "london_lsoa21_bgc.geojson:1:",
    ),
    _case(
        "boundary-at-the-equator",
        ONS,
        _geojson(
            json.dumps(_feature({"type": "Polygon", "coordinates": SQUARE})).replace("51.51", "0.5")
        ),
        1,
        "greater than or equal to 49",
        "london_lsoa21_bgc.geojson: features[0]",
    ),
    _case(
        "boundaries-nested-past-the-parser",
        ONS,
        _geojson("[" * 100_000 + "]" * 100_000),
        2,
        "nests too deeply",
        "london_lsoa21_bgc.geojson:",
    ),
    _case(
        "boundaries-past-a-lowered-limit",
        ONS,
        lambda _folder: None,
        2,
        "more than 5 MB (the limit, NHGRAPH_INPUT_MAX_MB)",
        "london_lsoa21_bgc.geojson:",
        {"NHGRAPH_INPUT_MAX_MB": "5"},
    ),
]
