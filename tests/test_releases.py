"""The ODS releases folder read as a timeline, and a step's reference folder composed from it.

The real releases are read from ``../shared/data/releases/`` (skipped where absent, a failure
under CI); the error paths use folders written here.
"""

from __future__ import annotations

import filecmp
from itertools import pairwise
from pathlib import Path

import pytest

from nhgraph.loaders.errors import InputError
from nhgraph.loaders.releases import SERIES, compose, releases, timeline

from .conftest import PROJECT_ROOT
from .standards import require

RELEASES = PROJECT_ROOT.parent / "shared" / "data" / "releases"
LONDON = PROJECT_ROOT / "data" / "reference"


def test_the_real_releases_make_a_timeline_of_months_each_changing_a_series() -> None:
    steps = timeline(require(RELEASES))
    assert len(steps) >= 10
    months = [step.month for step in steps]
    assert months == sorted(months)
    assert len(set(months)) == len(months)
    assert set(steps[0].new) == set(SERIES)
    for before, after in pairwise(steps):
        assert after.new, after.month
        for series in SERIES:
            changed = before.files[series] != after.files[series]
            assert changed == (series in after.new), (after.month, series)
            assert after.files[series].month <= after.month or series not in after.new
    # Each shipped reference file is one of its series' releases (PROVENANCE.md there).
    for series, name in SERIES.items():
        published = {step.files[series].path for step in steps}
        assert any(
            filecmp.cmp(path, LONDON / f"london_{name}", shallow=False) for path in published
        ), series


def test_a_composed_folder_holds_the_steps_releases_and_the_other_reference_files(
    tmp_path: Path,
) -> None:
    steps = timeline(require(RELEASES))
    folder = compose(LONDON, steps[0], tmp_path / "step")
    for series, release in steps[0].files.items():
        composed = folder / f"london_{SERIES[series]}"
        assert not composed.is_symlink()
        assert composed.read_bytes() == release.path.read_bytes()
    assert (folder / "london_lsoa21.csv").resolve() == (LONDON / "london_lsoa21.csv").resolve()
    assert (folder / "geo").is_dir()
    with pytest.raises(FileExistsError):
        compose(LONDON, steps[0], folder)


def _write(folder: Path, *names: str) -> Path:
    folder.mkdir()
    for name in names:
        (folder / name).write_text("org_code,name\n")
    return folder


def test_a_folder_without_releases_is_refused_naming_it(tmp_path: Path) -> None:
    folder = _write(tmp_path / "none", "notes.csv")
    with pytest.raises(InputError, match="holds no ODS release"):
        releases(folder)
    with pytest.raises(InputError, match="is not a folder"):
        releases(tmp_path / "absent")


def test_a_release_whose_name_does_not_say_its_month_is_refused_naming_the_file(
    tmp_path: Path,
) -> None:
    folder = _write(tmp_path / "bad", "london_epraccur_2024-05.csv", "london_etr_2024-13.csv")
    with pytest.raises(InputError, match=r"london_etr_2024-13\.csv.*YYYY-MM"):
        releases(folder)


def test_epcn_sheets_from_different_months_are_refused(tmp_path: Path) -> None:
    folder = _write(
        tmp_path / "pcn",
        "london_epcn_pcns_2024-10.csv",
        "london_epcn_core_partners_2024-09.csv",
    )
    with pytest.raises(InputError, match="ePCN's two sheets differ"):
        timeline(folder)
