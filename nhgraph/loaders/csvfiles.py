"""Reading publishers' CSV files with errors that name the file, the line and the rule.

Publishers' files arrive with byte-order marks, in Windows code pages, truncated by a failed
download, with columns renamed between releases. Each of those gets one clear message here,
and nothing downstream sees a half-read file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

from nhgraph.loaders.bounded import read_text
from nhgraph.loaders.errors import InputError, Problem


def rows(
    path: Path,
    required: Sequence[str],
    *,
    fieldnames: Sequence[str] | None = None,
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) pairs of a CSV file with a header (or the given fieldnames, for headerless
    layouts), after checking the required columns are there and every row is whole."""
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = list(fieldnames) if fieldnames is not None else next(reader)
    except csv.Error as error:
        raise InputError(
            [Problem(str(path), 1, "", f"is not valid CSV: {error}")], unreadable=True
        ) from error
    header = [name.strip() for name in header]
    missing = [name for name in required if name not in header]
    if missing:
        raise InputError(
            [
                Problem(
                    str(path),
                    1,
                    "header",
                    f"lacks the column(s) {', '.join(missing)}; found {', '.join(header[:12])}",
                )
            ],
            unreadable=True,
        )
    width = len(header)
    try:
        for values in reader:
            line = reader.line_num
            if not values or (len(values) == 1 and not values[0].strip()):
                continue
            if len(values) != width:
                raise InputError(
                    [
                        Problem(
                            str(path),
                            line,
                            "",
                            f"has {len(values)} fields where the header "
                            f"has {width} (a truncated or shifted row)",
                        )
                    ],
                    unreadable=True,
                )
            yield line, dict(zip(header, (v.strip() for v in values), strict=True))
    except csv.Error as error:
        raise InputError(
            [Problem(str(path), reader.line_num, "", f"is not valid CSV: {error}")],
            unreadable=True,
        ) from error
