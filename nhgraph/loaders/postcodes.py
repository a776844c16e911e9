"""The ONS postcode directory (ONSPD) and National Statistics Postcode Lookup (NSPL) layouts.

Both are national files of about 2.7 million rows, with a header whose column names change
between releases (``lsoa21`` / ``lsoa21cd``, ``rgn`` / ``rgn25cd``, ``pcds``). This reader
finds the columns by name, keeps live postcodes (no termination date) in the region asked for
(London by default), and reads the rest of the file only as far as it must (see
:func:`read_postcodes`).

Extracts that carry a local authority column instead of a region (such as the shipped
``london_postcode_lsoa21_partial.csv``, the postcodes of London's GP practices and PCNs) are
read too: London's local authorities are exactly the E09 codes.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from nhgraph.loaders.bounded import MAX_LINE, check_size, postcode_limit
from nhgraph.loaders.errors import InputError, Problem
from nhgraph.loaders.reference import Reference, as_reference
from nhgraph.loaders.sources import SourceData, register
from nhgraph.schema.identifiers import LONDON, normalise_postcode
from nhgraph.schema.models import Node, PostcodeUnit
from nhgraph.store.memory import collector_paused

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
#: England (ONS E92000001): every region (E12) of a directory, every English local authority
#: (E06-E09) of an extract.
ENGLAND = "E92000001"
_ENGLAND_AUTHORITY = "E0"
_ENGLAND_REGION = "E12"


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


#: The latitude ONS gives a postcode with no grid reference (its longitude is 0.000000).
NO_GRID_REFERENCE = 99.999999
#: Characters read at a time, then completed to the end of a line.
_BLOCK = 1 << 24


def read_postcodes(path: Path, region: str = LONDON) -> Iterator[tuple[int, dict[str, object]]]:
    """(line, values) for each live postcode of the region.

    The file is read in blocks of whole lines. Most rows of a national file are of other
    regions, and Python's cost is per line, so a block is first checked as a whole: with no
    quote in it, and as many commas as its lines need, it is well formed, and only the lines
    holding the region's code are cut out (found by ``str.find``) and split with the csv
    module. A block that does not add up is read line by line, which names the line at fault.
    Rows of the region are always checked one by one; rows of other regions only in their
    block's sum, which a row too long beside a row too short would pass: it changes nothing
    that is kept.
    """
    check_size(path, postcode_limit())
    try:
        handle = path.open("rb")
    except OSError as error:
        raise InputError(
            [Problem(str(path), None, "", f"cannot be read: {error.strerror}")], unreadable=True
        ) from error
    with handle:
        try:
            first = _line(handle, path, 1).decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InputError(
                [Problem(str(path), 1, "", "is not UTF-8")], unreadable=True
            ) from error
        if not first.strip():
            raise InputError([Problem(str(path), None, "", "is empty")], unreadable=True)
        try:
            header = next(csv.reader([first]))
        except csv.Error as error:
            raise InputError(
                [Problem(str(path), 1, "header", f"is not valid CSV: {error}")], unreadable=True
            ) from error
        reader = _RowReader(path, header, region)
        line = 1  # the lines before this block
        while piece := handle.read(_BLOCK):
            raw = piece + _line(handle, path, line + piece.count(b"\n") + 1)
            try:
                block = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                at = line + raw.count(b"\n", 0, error.start) + 1
                raise InputError(
                    [Problem(str(path), at, "", "is not UTF-8")], unreadable=True
                ) from error
            lines = block.count("\n") + (not block.endswith("\n"))
            if '"' not in block and block.count(",") == lines * (reader.width - 1):
                yield from reader.marked(block, line)
            else:
                for at, text in enumerate(block.split("\n"), line + 1):
                    record = reader.row(text, at)
                    if record is not None:
                        yield at, record
            line += lines


def _line(handle: BinaryIO, path: Path, line: int) -> bytes:
    """The rest of a line, refused past MAX_LINE characters: the file is read in bounded
    pieces, never a whole file with no line end."""
    rest = handle.readline(MAX_LINE + 1)
    if len(rest) > MAX_LINE:
        raise InputError(
            [
                Problem(
                    str(path),
                    line,
                    "",
                    f"has a line longer than {MAX_LINE} characters (the limit); is it a "
                    "postcode directory?",
                )
            ],
            unreadable=True,
        )
    return rest


class _RowReader:
    """The columns of one file's header, and the reading of its rows by them."""

    def __init__(self, path: Path, header: list[str], region: str) -> None:
        cols = _columns(path, header)
        self.path = path
        self.width = len(header)
        self.region = region
        self.p_col, self.l_col = cols["postcode"], cols["lsoa"]
        # A region column is matched whole; a local authority column by the region's prefix.
        self.by_authority = "region" not in cols
        self.r_col = cols["authority"] if self.by_authority else cols["region"]
        if self.by_authority and region not in (LONDON, ENGLAND):
            raise InputError(
                [Problem(str(path), 1, "header", f"has no region column to select {region} by")],
                unreadable=True,
            )
        if self.by_authority:
            self.marker = _LONDON_AUTHORITY if region == LONDON else _ENGLAND_AUTHORITY
        else:
            self.marker = _ENGLAND_REGION if region == ENGLAND else region
        self.prefix_match = self.by_authority or region == ENGLAND
        self.t_col = cols.get("terminated")
        self.lat_col, self.long_col = cols.get("latitude"), cols.get("longitude")

    def marked(self, block: str, line: int) -> Iterator[tuple[int, dict[str, object]]]:
        """The region's rows of a well-formed block whose first line follows ``line``."""
        line += 1  # the block's first line
        counted = 0  # the newlines before ``counted`` are counted into ``line``
        at = block.find(self.marker)
        while at != -1:
            start = block.rfind("\n", 0, at) + 1
            end = block.find("\n", at)
            end = len(block) if end == -1 else end
            line += block.count("\n", counted, start)
            counted = start
            record = self.row(block[start:end], line)
            if record is not None:
                yield line, record
            at = block.find(self.marker, end)

    def row(self, text: str, line: int) -> dict[str, object] | None:
        """One row's values if it is a live postcode of the region; a row of the wrong width
        is refused, naming its line."""
        if self.marker not in text and text.count(",") == self.width - 1 and '"' not in text:
            return None
        try:
            values = next(csv.reader([text]), [])
        except csv.Error as error:
            raise InputError(
                [Problem(str(self.path), line, "", f"is not valid CSV: {error}")],
                unreadable=True,
            ) from error
        if len(values) != self.width:
            if not values or not text.strip():
                return None
            raise InputError(
                [
                    Problem(
                        str(self.path),
                        line,
                        "",
                        f"has {len(values)} fields where the header has "
                        f"{self.width} (a truncated or shifted row)",
                    )
                ],
                unreadable=True,
            )
        in_region = (
            values[self.r_col].startswith(self.marker)
            if self.prefix_match
            else values[self.r_col] == self.region
        )
        if not in_region or (self.t_col is not None and values[self.t_col].strip()):
            return None
        record: dict[str, object] = {"id": values[self.p_col], "lsoa": values[self.l_col]}
        if self.lat_col is not None and self.long_col is not None and values[self.lat_col]:
            try:
                latitude, longitude = float(values[self.lat_col]), float(values[self.long_col])
            except ValueError:  # the model refuses it, naming the field and the line
                record["latitude"], record["longitude"] = (
                    values[self.lat_col],
                    values[self.long_col],
                )
                return record
            if latitude != NO_GRID_REFERENCE:  # any other value out of range, the model refuses
                record["latitude"], record["longitude"] = latitude, longitude
        return record


@register("ons-postcodes")
def load_postcode_extract(source: Path | Reference) -> SourceData:
    """The postcodes of the practices and PCNs (London's shipped extract, or England's), so
    that the demo answers postcodes and places practices in LSOAs without the national
    directory; from England's extract, those in the LSOAs of the regions kept."""
    reference = as_reference(source)
    if reference.is_london_extract:
        return load_postcodes(reference.folder / EXTRACT)
    data = load_postcodes(reference.file("postcode_lsoa21_partial.csv"), ENGLAND)
    lsoas = reference.lsoa_regions
    kept = [m for m in data.models if isinstance(m, PostcodeUnit) and m.lsoa in lsoas]
    data.skipped["postcodes: in an LSOA of another region"] += len(data.models) - len(kept)
    data.models = list(kept)
    return data


#: The source every postcode file is loaded as: a new file replaces the postcodes of the last.
SOURCE = "ONS postcode directory (OGL v3.0; Royal Mail and OS data)"


@collector_paused()
def load_postcodes(path: Path, region: str = LONDON) -> SourceData:
    """PostcodeUnit models of the region's live postcodes, with problems named by line."""
    data = postcode_source(path)
    models = [m for batch in postcode_batches(data, path, region) for m in batch]
    data.models = models
    return data


def postcode_source(path: Path) -> SourceData:
    """What a postcode file loads as: one source whatever the file, so that a new file
    (a later release, or the national file after the shipped extract) replaces the last;
    its version is the file's name."""
    return SourceData(SOURCE, path.name)


def postcode_batches(
    data: SourceData, path: Path, region: str = LONDON, size: int = 5000
) -> Iterator[list[Node]]:
    """The region's PostcodeUnit models in batches, as the file is read: a national file's
    region can be written while the rest of the file is still being read.

    Rows the model refuses, a postcode listed twice, and a file with no live postcode of the
    region at all become problems of ``data``; once the file is read they are raised together
    (InputError), so a writer consuming the batches in one transaction rolls it back. A file
    that cannot be read raises at once.
    """
    first_line: dict[str, int] = {}
    for line, record in read_postcodes(path, region):
        try:
            postcode = record["id"] = normalise_postcode(str(record["id"]))
        except ValueError as error:
            data.problems.append(Problem(str(path), line, "Postcode id", str(error)))
            continue
        if postcode in first_line:
            data.problems.append(
                Problem(
                    str(path),
                    line,
                    "Postcode id",
                    f"{postcode} is also on line {first_line[postcode]}",
                )
            )
            continue
        first_line[postcode] = line
        data.add(PostcodeUnit, path, line, record)
        if len(data.models) >= size:
            yield data.models
            data.models = []
    if data.models:
        yield data.models
        data.models = []
    if not first_line and not data.problems:
        # A file of another region, or of only terminated postcodes, is a wrong file, not an
        # empty release: loaded, it would replace every stored postcode with none.
        data.problems.append(
            Problem(
                str(path),
                None,
                "",
                f"has no live postcode in region {region}: nothing was loaded "
                "(is it the right file, and the right region?)",
            )
        )
    data.check()
