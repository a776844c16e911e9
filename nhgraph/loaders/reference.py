"""Which reference files to read and which regions of them to keep.

The project ships London's extracts (``london_*.csv`` in ``data/reference``). England's files
(``england_*.csv``, the same publishers' layouts, the same columns) are read from a folder the
user gives, and any of England's nine ONS regions (E12000001-E12000009), or all of them, kept.
A folder's layout is known by its files: one that holds ``england_lsoa21.csv`` is England's,
else it is London's, which holds London only.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from nhgraph.loaders.bounded import read_text
from nhgraph.loaders.errors import InputError, Problem
from nhgraph.schema.identifiers import LONDON

#: What ``--region`` (or NHGRAPH_REFERENCE_REGIONS) says for every region in the files.
ALL = "all"
#: England's ONS regions, North East (1) to South West (9); London is E12000007.
ENGLAND_REGIONS = tuple(f"E1200000{n}" for n in range(1, 10))


def parse_regions(text: str) -> frozenset[str] | None:
    """``all`` (None: every region), or ONS region codes separated by commas."""
    text = text.strip()
    if text.lower() == ALL:
        return None
    codes = frozenset(code.strip().upper() for code in text.split(",") if code.strip())
    unknown = sorted(codes - set(ENGLAND_REGIONS))
    if not codes or unknown:
        raise InputError(
            [
                Problem(
                    "--region",
                    None,
                    text,
                    f"{'names no region' if not codes else 'unknown region ' + ', '.join(unknown)}"
                    f": give {ALL} or ONS region codes such as {LONDON} "
                    f"(one of {', '.join(ENGLAND_REGIONS)})",
                )
            ],
            unreadable=True,
        )
    return codes


@dataclass(frozen=True)
class Reference:
    """A folder of reference files and the regions to keep (None: every region in them)."""

    folder: Path
    regions: frozenset[str] | None = field(default_factory=lambda: frozenset({LONDON}))

    def __post_init__(self) -> None:
        if self.prefix == "london" and self.regions != frozenset({LONDON}):
            asked = ALL if self.regions is None else ", ".join(sorted(self.regions))
            raise InputError(
                [
                    Problem(
                        str(self.folder),
                        None,
                        "",
                        f"holds London's files only (london_*.csv), not region(s) {asked}: "
                        "give a folder of England's files (england_*.csv), such as the one "
                        "README's 'England' section says how to download",
                    )
                ],
                unreadable=True,
            )

    @property
    def prefix(self) -> str:
        """``england`` for a folder of England's files, else ``london``."""
        return "england" if (self.folder / "england_lsoa21.csv").exists() else "london"

    @property
    def is_london_extract(self) -> bool:
        """True for the London extracts, which hold London only and are read as they are."""
        return self.prefix == "london"

    def file(self, stem: str) -> Path:
        """The folder's file of this kind: ``lsoa21.csv`` is london_lsoa21.csv or england_..."""
        return self.folder / f"{self.prefix}_{stem}"

    def keeps(self, region: str) -> bool:
        """True when the region's records are kept."""
        return self.regions is None or region in self.regions

    def boundary_files(self) -> list[Path]:
        """The LSOA boundary files to read: London's one, or one per kept region of England."""
        if self.is_london_extract:
            return [self.folder / "geo" / "london_lsoa21_bgc.geojson"]
        return [
            self.folder / "geo" / f"england_lsoa21_bgc_{code}.geojson"
            for code in ENGLAND_REGIONS
            if self.keeps(code)
        ]

    @cached_property
    def lsoa_regions(self) -> dict[str, str]:
        """Every kept 2021 LSOA and its region, from ``*_lsoa21.csv``."""
        path = self.file("lsoa21.csv")
        reader = csv.DictReader(read_text(path).splitlines())
        if not reader.fieldnames or not {"LSOA21CD", "RGNCD"} <= set(reader.fieldnames):
            raise InputError(
                [Problem(str(path), 1, "header", "lacks the column(s) LSOA21CD, RGNCD")],
                unreadable=True,
            )
        return {r["LSOA21CD"]: r["RGNCD"] for r in reader if self.keeps(r["RGNCD"])}

    @cached_property
    def systems(self) -> frozenset[str] | None:
        """The ICBs (ODS codes) with an LSOA in the kept regions: the organisations of those
        systems are kept. None where nothing is left out (London's extract, or all England)."""
        if self.is_london_extract or self.regions is None:
            return None
        path = self.file("lsoa21_subicb_icb.csv")
        reader = csv.DictReader(read_text(path).splitlines())
        return frozenset(r["ICB24CDH"] for r in reader if r["LSOA21CD"] in self.lsoa_regions)

    @cached_property
    def sub_icb_systems(self) -> dict[str, str]:
        """Sub-ICB location (ODS code) -> its ICB, from ``england_subicbs.csv``."""
        path = self.file("subicbs.csv")
        reader = csv.DictReader(read_text(path).splitlines())
        return {r["SICBL24CDH"]: r["ICB24CDH"] for r in reader}

    def keeps_system(self, icb: str) -> bool:
        """True when an organisation of this ICB is kept."""
        return self.systems is None or icb in self.systems

    def keeps_sub_icb(self, sub_icb: str) -> bool:
        """True when an organisation of this sub-ICB location is kept."""
        return self.systems is None or self.sub_icb_systems.get(sub_icb, "") in self.systems

    def describe(self) -> str:
        """The regions kept, as a load's summary says them."""
        if self.regions is None:
            return "all of England"
        return ", ".join(sorted(self.regions))


def as_reference(source: Path | Reference) -> Reference:
    """A loader's argument as a Reference: a bare folder is London's default."""
    return source if isinstance(source, Reference) else Reference(source)
