"""Successive releases of the ODS files, and the reference folder as it stood at each.

NHS ODS publishes each file on its own cycle (epraccur quarterly, ePCN and etr when they
change), so "London as ODS published it in May 2024" is the newest release of every file at or
before that month. A folder of releases holds files named ``<region>_<series>_<YYYY-MM>.csv``
(``london_epraccur_2024-05.csv``, ``london_epcn_pcns_2024-10.csv``), in the reference files'
own columns; :func:`timeline` orders them and :func:`compose` builds the reference folder of
one step, the reference folder's other files beside the releases chosen, for ``nhgraph load
reference --from`` to read as it reads any other.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from nhgraph.loaders.errors import InputError, Problem

#: Each ODS series of a releases folder, and the reference file (after the region prefix)
#: that a release of it stands for. The two ePCN sheets come out together, in one workbook.
SERIES: Mapping[str, str] = {
    "epraccur": "gp_practices_epraccur.csv",
    "epcn_pcns": "pcns_epcn.csv",
    "epcn_core_partners": "pcn_core_partners_epcn.csv",
    "etr": "nhs_trusts_etr.csv",
    "edispensary": "pharmacies_edispensary.csv",
}

_NAME = re.compile(
    r"(?P<region>[a-z]+)_(?P<series>" + "|".join(SERIES) + r")_(?P<month>\d{4}-(0[1-9]|1[0-2]))"
    r"\.csv"
)


@dataclass(frozen=True, order=True)
class Release:
    """One published file of one series: its month (``YYYY-MM``), series and path."""

    month: str
    series: str
    path: Path


@dataclass(frozen=True)
class Step:
    """The ODS files as they stood in one month: the newest release of each series then (a
    series not yet published by that month stands at its oldest release)."""

    month: str
    #: series -> the release in force
    files: Mapping[str, Release]
    #: the series whose release is new in this step (every series in the first step)
    new: tuple[str, ...]

    @property
    def label(self) -> str:
        """The step as a source version names it: ``epraccur 2024-05; epcn 2024-10; ...``."""
        return "; ".join(f"{series} {release.month}" for series, release in self.files.items())


def releases(folder: Path) -> list[Release]:
    """Every release in the folder, oldest first; InputError for a folder without any, or for a
    series file whose name does not say its month."""
    if not folder.is_dir():
        raise InputError([Problem(str(folder), None, "", "is not a folder")], unreadable=True)
    found: list[Release] = []
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.csv")):
        match = _NAME.fullmatch(path.name)
        if match is None:
            if any(f"_{series}_" in path.name for series in SERIES):
                problems.append(
                    Problem(
                        str(path),
                        None,
                        "",
                        "is named like an ODS release but not <region>_<series>_YYYY-MM.csv",
                    )
                )
            continue
        found.append(Release(match["month"], match["series"], path))
    if problems:
        raise InputError(problems, unreadable=True)
    if not found:
        raise InputError(
            [
                Problem(
                    str(folder),
                    None,
                    "",
                    f"holds no ODS release (<region>_<series>_YYYY-MM.csv, series one of "
                    f"{', '.join(SERIES)})",
                )
            ],
            unreadable=True,
        )
    return sorted(found)


def timeline(folder: Path) -> list[Step]:
    """The months in which any series published, each with the files then in force, oldest
    first. Both ePCN sheets must come in the same months (they are one workbook)."""
    found = releases(folder)
    by_series: dict[str, list[Release]] = {}
    for release in found:
        by_series.setdefault(release.series, []).append(release)
    pcn_months = [r.month for r in by_series.get("epcn_pcns", [])]
    partner_months = [r.month for r in by_series.get("epcn_core_partners", [])]
    if pcn_months != partner_months:
        raise InputError(
            [
                Problem(
                    str(folder),
                    None,
                    "",
                    f"ePCN's two sheets differ in months (PCNs {pcn_months}, core partners "
                    f"{partner_months}): a release of ePCN holds both",
                )
            ],
            unreadable=True,
        )
    months = sorted({release.month for release in found})
    steps: list[Step] = []
    for month in months:
        files = {
            series: max(
                (r for r in items if r.month <= month),
                default=items[0],
            )
            for series, items in sorted(by_series.items())
        }
        new = tuple(
            series
            for series, release in files.items()
            if not steps or steps[-1].files[series] != release
        )
        if new:
            steps.append(Step(month, files, new))
    return steps


def compose(reference: Path, step: Step, into: Path) -> Path:
    """A reference folder for the step: every file of ``reference`` (linked, not copied), with
    the step's releases in place of the files they stand for. ``into`` must not exist."""
    prefix = "england" if (reference / "england_lsoa21.csv").exists() else "london"
    into.mkdir(parents=True)
    replaced = {
        f"{prefix}_{SERIES[series]}": release.path for series, release in step.files.items()
    }
    for entry in reference.iterdir():
        target = into / entry.name
        if entry.name in replaced:
            shutil.copyfile(replaced[entry.name], target)
        else:
            target.symlink_to(entry.resolve(), target_is_directory=entry.is_dir())
    return into
