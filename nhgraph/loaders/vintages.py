"""2011 LSOAs mapped to 2021 LSOAs, with ONS's lookup and its change indicator.

Older inputs (a footprint drawn before 2021, a service area, IMD 2019) name 2011 LSOAs. The
graph's LSOAs are 2021's. ONS's "LSOA (2011) to LSOA (2021) to LAD (2022) Lookup" says, for each
pair, how the area changed (``CHGIND``):

* ``U`` unchanged: the same code, mapped to itself;
* ``M`` merged: several 2011 LSOAs became one 2021 LSOA, mapped to it;
* ``S`` split: one 2011 LSOA became several, mapped to every part, with a warning (a footprint
  that held the 2011 LSOA holds all of it);
* ``X`` complex: boundaries redrawn across several LSOAs. Not guessed: reported for a person to
  decide which 2021 LSOAs are meant.

This module is the one place the mapping is made; a loader that can meet a 2011 code maps
through :meth:`Vintages.map` and lists what it mapped in its source's ``skipped`` counts (the
load's summary). The lookup is ``london_lsoa11_lsoa21.csv`` or ``england_lsoa11_lsoa21.csv``
in the reference folder (the project ships London's).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from nhgraph.loaders.csvfiles import rows
from nhgraph.loaders.errors import InputError, Problem

#: The change indicators ONS's lookup uses.
CHANGES = {"U": "unchanged", "M": "merged", "S": "split", "X": "complex"}
#: The lookup files, London's (shipped) and England's, in the order they are looked for.
LOOKUP_FILES = ("england_lsoa11_lsoa21.csv", "london_lsoa11_lsoa21.csv")


@dataclass(frozen=True)
class Mapped:
    """What one list of LSOA codes became: the 2021 codes, what was mapped, and what a person
    must decide (complex changes, codes in no lookup)."""

    codes: list[str]
    #: Counts by change ("merged", "split", ...) of 2011 codes mapped.
    changes: Counter[str] = field(default_factory=Counter)
    #: Split 2011 codes, each with every 2021 part it was mapped to.
    split: dict[str, list[str]] = field(default_factory=dict)
    #: Complex 2011 codes, each with the 2021 LSOAs it overlaps, for a person to choose from.
    complex: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Vintages:
    """ONS's LSOA 2011 to 2021 lookup: each 2011 code's 2021 codes and change indicator."""

    path: Path
    #: 2011 code -> (change indicator, its 2021 codes in the lookup's order).
    lookup: dict[str, tuple[str, tuple[str, ...]]]
    #: Every 2021 code in the lookup.
    current: frozenset[str]

    def map(self, codes: Sequence[str]) -> Mapped:
        """The 2021 LSOAs of a list that may hold 2011 codes, in order, without repeats.

        A code that is a 2021 LSOA is kept as it is (a 2021 code that is also an unchanged
        2011 one is the same area). A 2011 code is mapped by its change; a complex one is
        left out and reported; a code in neither vintage is kept for the model's checks to
        refuse by name.
        """
        out: list[str] = []
        changes: Counter[str] = Counter()
        split: dict[str, list[str]] = {}
        complex_: dict[str, list[str]] = {}
        for code in codes:
            found = self.lookup.get(code)
            if code in self.current and (found is None or found[0] == "U"):
                out.append(code)
                continue
            if found is None:
                out.append(code)
                continue
            change, targets = found
            changes[CHANGES[change]] += 1
            if change == "X":
                complex_[code] = list(targets)
                continue
            if change == "S":
                split[code] = list(targets)
            out += targets
        seen: set[str] = set()
        unique = [c for c in out if not (c in seen or seen.add(c))]  # type: ignore[func-returns-value]
        return Mapped(unique, changes, split, complex_)


def read_vintages(path: Path) -> Vintages:
    """The lookup from ONS's file (LSOA11CD, LSOA21CD, CHGIND); an indicator ONS does not use,
    or a 2011 code given two indicators, is refused naming the line."""
    lookup: dict[str, tuple[str, list[str]]] = {}
    current: set[str] = set()
    problems: list[Problem] = []
    for line, row in rows(path, ["LSOA11CD", "LSOA21CD", "CHGIND"]):
        old, new, change = row["LSOA11CD"], row["LSOA21CD"], row["CHGIND"]
        if change not in CHANGES:
            problems.append(
                Problem(
                    str(path),
                    line,
                    "CHGIND",
                    f"{change!r} is not an ONS change indicator ({', '.join(CHANGES)})",
                )
            )
            continue
        known = lookup.setdefault(old, (change, []))
        if known[0] != change:
            problems.append(
                Problem(
                    str(path),
                    line,
                    "CHGIND",
                    f"{old} is {change!r} here and {known[0]!r} on an earlier line",
                )
            )
            continue
        known[1].append(new)
        current.add(new)
    if problems:
        raise InputError(problems, unreadable=False)
    return Vintages(path, {k: (c, tuple(v)) for k, (c, v) in lookup.items()}, frozenset(current))


@cache
def _cached(path: Path, mtime: float) -> Vintages:
    del mtime  # part of the key only: a changed file is read again
    return read_vintages(path)


def vintages_in(folder: Path) -> Vintages | None:
    """The lookup of a reference folder (England's, else London's), or None when it has
    neither; read once per file and change."""
    for name in LOOKUP_FILES:
        path = folder / name
        if path.exists():
            return _cached(path, path.stat().st_mtime)
    return None


def summary_counts(where: str, mapped: Mapped) -> Counter[str]:
    """What a load's summary says for one list mapped: 2011 codes mapped by change, and each
    split code with every part it was mapped to (a warning: the footprint holds all of it)."""
    counts: Counter[str] = Counter()
    for change, n in mapped.changes.items():
        if change != "complex":
            counts[f"{where}: 2011 LSOAs mapped to 2021 ({change})"] += n
    for old, parts in mapped.split.items():
        counts[
            f"{where}: WARNING 2011 LSOA {old} was split; mapped to every part "
            f"({', '.join(parts)}): check the footprint"
        ] += 1
    return counts
