"""Write a file in the layout of the ONS National Statistics Postcode Lookup (NSPL), for
benchmarks and tests when the real national file (about 2.7 million rows) is not at hand.

London rows point at real LSOAs (from data/reference); other regions' rows at made-up LSOA
codes; about one row in ten is terminated. Postcodes are made up but well formed and unique.
"""

from __future__ import annotations

import csv
import itertools
import string
from pathlib import Path

from nhgraph.config import PROJECT_ROOT

HEADER = [
    "pcd7",
    "pcd8",
    "pcds",
    "dointr",
    "doterm",
    "usrtypind",
    "east1m",
    "north1m",
    "gridind",
    "oa21cd",
    "cty25cd",
    "ced25cd",
    "lad25cd",
    "wd25cd",
    "nhser24cd",
    "ctry25cd",
    "rgn25cd",
    "pcon24cd",
    "ttwa15cd",
    "itl25cd",
    "npark16cd",
    "lsoa21cd",
    "msoa21cd",
    "wz11cd",
    "sicbl24cd",
    "bua24cd",
    "ruc21ind",
    "oac11ind",
    "lat",
    "long",
    "lep21cd1",
    "lep21cd2",
    "pfa23cd",
    "imd20ind",
    "icb24cd",
]
REGIONS = [f"E1200000{i}" for i in range(1, 10)]


def london_lsoas() -> list[str]:
    """The codes of London's real LSOAs, from data/reference, for the London rows."""
    with (PROJECT_ROOT / "data" / "reference" / "london_lsoa21.csv").open(encoding="utf-8") as f:
        return [row["LSOA21CD"] for row in csv.DictReader(f)]


def postcodes() -> itertools.chain[str]:
    """An endless-looking but finite run of well-formed, made-up postcodes, each one distinct."""
    areas = [
        "AB",
        "B",
        "BS",
        "CB",
        "CF",
        "DE",
        "E",
        "EC",
        "G",
        "HA",
        "KT",
        "L",
        "LS",
        "M",
        "N",
        "NE",
        "NW",
        "OX",
        "RM",
        "S",
        "SE",
        "SW",
        "TW",
        "W",
        "WC",
        "YO",
    ]
    letters = [a + b for a in string.ascii_uppercase for b in string.ascii_uppercase]
    return itertools.chain.from_iterable(
        (f"{area}{district} {sector}{unit}" for unit in letters)
        for area in areas
        for district in range(1, 100)
        for sector in range(10)
    )


def _row(code: str, region: str, lsoa: str, *, terminated: bool) -> list[str]:
    """One NSPL row: the postcode in its three spellings, its region and LSOA, the rest fixed."""
    compact = code.replace(" ", "")
    return [
        f"{compact[:-3]:<4}{compact[-3:]}",
        f"{compact[:-3]:<5}{compact[-3:]}",
        code,
        "198001",
        "202001" if terminated else "",
        "0",
        "530000",
        "180000",
        "1",
        "E00000001",
        "E99999999",
        "E99999999",
        "E09000007",
        "E05000001",
        "E40000003",
        "E92000001",
        region,
        "E14000001",
        "E30000234",
        "TLI31",
        "",
        lsoa,
        "E02000001",
        "E33000001",
        "E38000240",
        "E63000001",
        "A1",
        "2B1",
        "51.5",
        "-0.12",
        "E37000051",
        "",
        "E23000001",
        "12345",
        "E54000028",
    ]


def write_nspl(path: Path, rows: int, london_share: float = 0.07) -> Path:
    """Writes an NSPL-layout file of the given number of rows, a share of them London postcodes
    pointing at real LSOAs."""
    lsoas = london_lsoas()
    every = max(1, round(1 / london_share))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for index, code in zip(range(rows), postcodes(), strict=False):
            london = index % every == 0
            region = "E12000007" if london else REGIONS[index % 9 if index % 9 != 6 else 0]
            lsoa = (
                lsoas[(index // every) % len(lsoas)]
                if london
                else f"E01{900000 + index % 99999:06d}"
            )
            writer.writerow(_row(code, region, lsoa, terminated=index % 10 == 3))
    return path


def write_nspl_over(path: Path, lsoas: list[tuple[str, str]], per_lsoa: int) -> Path:
    """Writes an NSPL-layout file of ``per_lsoa`` rows for each (LSOA, region) given, one in
    ten terminated: a national directory's shape over real LSOAs (all of England's, say), so
    that every live row is kept and lands in a stored LSOA."""
    codes = postcodes()
    index = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for lsoa, region in lsoas:
            for _ in range(per_lsoa):
                writer.writerow(_row(next(codes), region, lsoa, terminated=index % 10 == 3))
                index += 1
    return path
