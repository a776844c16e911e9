"""The ONS postcode directory (ONSPD) and National Statistics Postcode Lookup (NSPL) layouts.

Both are national files of about 2.7 million rows, with a header whose column names change
between releases (``lsoa21`` / ``lsoa21cd``, ``rgn`` / ``rgn25cd``, ``pcds``). This reader
finds the columns by name, keeps live postcodes (no termination date) in the region asked for
(London by default), and reads the rest of the file only as far as it must: a row without the
region's code anywhere in it is only counted for its fields, and the others are split with
the csv module and skipped on the region column before any other work.

Extracts that carry a local authority column instead of a region (such as the shipped
``london_postcode_lsoa21_partial.csv``, the postcodes of London's GP practices and PCNs) are
read too: London's local authorities are exactly the E09 codes.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from nhgraph.loaders.errors import InputError, Problem
from nhgraph.loaders.sources import SourceData, register
from nhgraph.schema.identifiers import normalise_postcode
from nhgraph.schema.models import PostcodeUnit

LONDON = "E12000007"
_COLUMNS = {
    "postcode": re.compile(r"^(pcds|pcd|pcd7|pcd2|pcd8|postcode)$"),
    "lsoa": re.compile(r"^lsoa21(cd)?$"),
    "region": re.compile(r"^rgn(\d\d)?(cd)?$"),
    "authority": re.compile(r"^(oslaua|lad\d\d(cd)?|lad_code.*)$"),
    "terminated": re.compile(r"^doterm$"),
    "latitude": re.compile(r"^(lat|latitude)$"),
    "longitude": re.compile(r"^(long|longitude)$"),
}
_PREFERRED_POSTCODE = ("pcds", "pcd", "pcd7", "pcd2", "pcd8", "postcode")
#: The shipped extract of London's practice and PCN postcodes (see PROVENANCE.md).
EXTRACT = "london_postcode_lsoa21_partial.csv"
#: London's local authorities (boroughs and the City) are the E09 codes.
_LONDON_AUTHORITY = "E09"


def _columns(path: Path, header: list[str]) -> dict[str, int]:
    lowered = [name.strip().lower() for name in header]
    found: dict[str, int] = {}
    for key, pattern in _COLUMNS.items():
        matches = [i for i, name in enumerate(lowered) if pattern.match(name)]
        if key == "postcode" and matches:
            matches.sort(key=lambda i: _PREFERRED_POSTCODE.index(lowered[i]))
        if matches:
            found[key] = matches[0]
    missing = [k for k in ("postcode", "lsoa") if k not in found]
    if "region" not in found and "authority" not in found:
        missing.append("region")
    if missing:
        raise InputError(
            [
                Problem(
                    str(path),
                    1,
                    "header",
                    f"is not an ONSPD/NSPL header: no column for {', '.join(missing)}",
                )
            ],
            unreadable=True,
        )
    return found


def read_postcodes(path: Path, region: str = LONDON) -> Iterator[tuple[int, dict[str, object]]]:
    """(line, values) for each live postcode of the region."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise InputError(
            [Problem(str(path), None, "", f"cannot be read: {error.strerror}")], unreadable=True
        ) from error
    with handle:
        line = 1
        try:
            first = handle.readline()
        except UnicodeDecodeError as error:
            raise InputError(
                [Problem(str(path), 1, "", "is not UTF-8")], unreadable=True
            ) from error
        if not first.strip():
            raise InputError([Problem(str(path), None, "", "is empty")], unreadable=True)
        header = next(csv.reader([first]))
        cols = _columns(path, header)
        p_col, l_col = cols["postcode"], cols["lsoa"]
        # A region column is matched whole; a local authority column by the region's prefix.
        r_col = cols["region"] if "region" in cols else cols["authority"]
        by_authority = "region" not in cols
        if by_authority and region != LONDON:
            raise InputError(
                [Problem(str(path), 1, "header", f"has no region column to select {region} by")],
                unreadable=True,
            )
        t_col = cols.get("terminated")
        lat_col, long_col = cols.get("latitude"), cols.get("longitude")
        width = len(header)
        # Most rows of a national file are of other regions: a row that does not contain the
        # region's code at all is only checked for its number of fields (commas counted, or
        # the row parsed when it has quotes), and is not split.
        marker = _LONDON_AUTHORITY if by_authority else region
        try:
            for text in handle:
                line += 1
                if marker not in text and text.count(",") == width - 1 and '"' not in text:
                    continue
                values = next(csv.reader([text]), [])
                if len(values) != width:
                    if not values or not text.strip():
                        continue
                    raise InputError(
                        [
                            Problem(
                                str(path),
                                line,
                                "",
                                f"has {len(values)} fields where the header has "
                                f"{width} (a truncated or shifted row)",
                            )
                        ],
                        unreadable=True,
                    )
                in_region = (
                    values[r_col].startswith(_LONDON_AUTHORITY)
                    if by_authority
                    else values[r_col] == region
                )
                if not in_region or (t_col is not None and values[t_col].strip()):
                    continue
                record: dict[str, object] = {"id": values[p_col], "lsoa": values[l_col]}
                if lat_col is not None and long_col is not None and values[lat_col]:
                    latitude, longitude = float(values[lat_col]), float(values[long_col])
                    if latitude < 90:  # 99.999999 marks "no grid reference"
                        record["latitude"], record["longitude"] = latitude, longitude
                yield line, record
        except UnicodeDecodeError as error:
            raise InputError(
                [Problem(str(path), line + 1, "", "is not UTF-8")], unreadable=True
            ) from error
        except csv.Error as error:
            raise InputError(
                [Problem(str(path), line, "", f"is not valid CSV: {error}")],
                unreadable=True,
            ) from error


@register("ons-postcodes")
def load_postcode_extract(folder: Path) -> SourceData:
    """The shipped postcodes of London's practices and PCNs, so that the demo answers
    postcodes and places practices in LSOAs without the national directory."""
    return load_postcodes(folder / EXTRACT)


def load_postcodes(path: Path, region: str = LONDON) -> SourceData:
    """PostcodeUnit models of the region's live postcodes, with problems named by line."""
    data = SourceData("ONS postcode directory (OGL v3.0; Royal Mail and OS data)", path.name)
    for line, record in read_postcodes(path, region):
        try:
            record["id"] = normalise_postcode(str(record["id"]))
        except ValueError as error:
            data.problems.append(Problem(str(path), line, "Postcode id", str(error)))
            continue
        data.add(PostcodeUnit, path, line, record)
    return data.check()
