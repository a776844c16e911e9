"""A release's dry run and diff, against the real London ODS releases in ../shared/data/releases.

One graph for the module: step 1 (February 2022) is loaded, then each release checked is
dry-run and then loaded for real, in turn (April 2022's ePCN; then July 2025, which jumps
across the 2024-25 epraccur releases and the 2025 etr). The dry run's changes must be exactly
what the load then did (every Organisation and PcnMembership record read before and after the
load, diffed), its words must name the events PROVENANCE.md lists, and it must write nothing.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from nhgraph.config import Settings
from nhgraph.history.diff import (
    DryRun,
    diff_sources,
    dry_run,
    record_changes,
    stored_models,
)
from nhgraph.history.impact import Impact, change_impact
from nhgraph.history.words import NO_SUCCESSOR, Words, describe
from nhgraph.load import load, read_sources
from nhgraph.loaders.releases import compose, timeline
from nhgraph.loaders.sources import SourceData
from nhgraph.store.changes import NodeChange
from nhgraph.store.db import Database

from .command_line import run_cli, settings_env
from .conftest import PROJECT_ROOT
from .standards import require

RELEASES = PROJECT_ROOT.parent / "shared" / "data" / "releases"
LONDON = PROJECT_ROOT / "data" / "reference"
LABELS = ["Organisation", "PcnMembership"]
#: The steps of the timeline checked, after loading the first of them.
FIRST, CHECKED = "2022-02", ("2022-04", "2025-07")


@dataclass
class Checked:
    """One release checked: its sources, the dry run, what the load then did."""

    month: str
    folder: Path
    sources: list[SourceData]
    planned: DryRun
    words: Words
    impact: Impact
    did: list[NodeChange]
    unchanged_by_dry_run: bool
    previous: list[SourceData]


def _read(settings: Settings, folder: Path) -> list[SourceData]:
    return read_sources(["reference"], settings.model_copy(update={"reference_dir": folder}))


def _fingerprint(database: Database) -> tuple[Any, ...]:
    """What a write would change: node and relationship counts by label and type, and the
    latest validation run's id."""
    [row] = database.read(
        "CALL () { MATCH (n) RETURN count(n) AS nodes } "
        "CALL () { MATCH ()-[r]->() RETURN count(r) AS edges } "
        "CALL () { OPTIONAL MATCH (n) WITH labels(n) AS l, count(*) AS c ORDER BY l "
        "RETURN collect([l, c]) AS by_label } "
        "RETURN nodes, edges, by_label"
    )
    return row["nodes"], row["edges"], json.dumps(row["by_label"], default=str)


@pytest.fixture(scope="module")
def walk(
    database: Database, neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Checked]]:
    steps = {step.month: step for step in timeline(require(RELEASES))}
    root = tmp_path_factory.mktemp("releases")
    folders = {m: compose(LONDON, steps[m], root / m) for m in (FIRST, *CHECKED)}
    database.reset()
    previous = _read(neo4j_settings, folders[FIRST])
    load(database, previous, workers=2, allow_removals=True)
    found: dict[str, Checked] = {}
    for month in CHECKED:
        sources = _read(neo4j_settings, folders[month])
        before, print_before = stored_models(database, LABELS), _fingerprint(database)
        planned = dry_run(database, sources)
        impact = change_impact(database, planned.changes, apply=planned.apply(database))
        unchanged = (
            stored_models(database, LABELS) == before and _fingerprint(database) == print_before
        )
        load(database, sources, workers=2, allow_removals=True)
        did = record_changes(before, stored_models(database, LABELS))
        words = describe(planned.changes, planned.names)
        found[month] = Checked(
            month, folders[month], sources, planned, words, impact, did, unchanged, previous
        )
        previous = sources
    yield found
    database.reset()


@pytest.mark.parametrize("month", CHECKED)
def test_the_dry_run_is_what_the_load_then_did(walk: dict[str, Checked], month: str) -> None:
    checked = walk[month]
    assert checked.did, "a release step that changes nothing tests nothing"
    assert [c for c in checked.planned.changes if c.label in LABELS] == checked.did
    # Nothing else changes between these releases: they are ODS's files alone.
    assert {c.label for c in checked.planned.changes} <= set(LABELS)


@pytest.mark.parametrize("month", CHECKED)
def test_a_dry_run_writes_nothing(walk: dict[str, Checked], month: str) -> None:
    assert walk[month].unchanged_by_dry_run


def _event(words: Words, kind: str, organisation: str) -> tuple[Any, Any]:
    [event] = [e for e in words.of(kind) if e.organisation == organisation]
    return event.before, event.after


def test_the_words_name_april_2022s_pcn_events(walk: dict[str, Checked]) -> None:
    words = walk["2022-04"].words
    # PROVENANCE.md: EDMONTON PCN U50311 opens, HARINGEY - WEST CENTRAL PCN U20036 closes,
    # U27139 HARINGEY - CROUCH END PCN is renamed HARINGEY - SOUTH WEST PCN; 12 practices move.
    assert _event(words, "pcn_formed", "ods:U50311") == (None, "EDMONTON PCN")
    assert _event(words, "pcn_dissolved", "ods:U20036") == ("HARINGEY - WEST CENTRAL PCN", None)
    assert _event(words, "pcn_renamed", "ods:U27139") == (
        "HARINGEY - CROUCH END PCN",
        "HARINGEY - SOUTH WEST PCN",
    )
    assert len(words.of("practice_moved_pcn")) == 12
    assert _event(words, "practice_moved_pcn", "ods:F85061") == (
        "ods:U20036 HARINGEY - WEST CENTRAL PCN",
        "ods:U27139 HARINGEY - SOUTH WEST PCN",
    )
    [moved] = [e for e in words.of("practice_moved_pcn") if e.organisation == "ods:F85061"]
    assert moved.name == "CHRISTCHURCH HALL SURGERY"  # named from the release, not left an id
    assert sum(words.counts.values()) == len(walk["2022-04"].planned.changes)
    assert not words.other  # every change of this release is named by an event


def test_the_words_name_2025s_practice_and_trust_events(walk: dict[str, Checked]) -> None:
    words = walk["2025-07"].words
    # epraccur: FIVE ELMS ceases while VICTORIA MEDICAL CENTRE takes its name; BROOK GREEN
    # SURGERY becomes WEST KENSINGTON GP SURGERY at a new postcode.
    assert _event(words, "practice_closed", "ods:F82012") == ("FIVE ELMS MEDICAL PRACTICE", None)
    assert _event(words, "practice_renamed", "ods:F82034") == (
        "VICTORIA MEDICAL CENTRE",
        "VICTORIA & FIVE ELMS MEDICAL CENTRE",
    )
    assert _event(words, "practice_renamed", "ods:E85074") == (
        "BROOK GREEN SURGERY",
        "WEST KENSINGTON GP SURGERY",
    )
    assert _event(words, "practice_moved_postcode", "ods:E85074") == ("W6 7BL", "W14 0LJ")
    # etr: three trusts close, North London opens, two are renamed; etr names no successor.
    closed = {e.organisation: e for e in words.of("trust_closed")}
    assert set(closed) == {"ods:RAP", "ods:RRP", "ods:RY9"}
    assert all(e.note == NO_SUCCESSOR for e in closed.values())
    assert {e.organisation for e in words.of("trust_opened")} == {"ods:G6V2S"}
    assert {e.organisation for e in words.of("trust_renamed")} == {"ods:RAX", "ods:RQX"}
    # A practice that closes does not also "leave" its PCN.
    assert "ods:F82012" not in {e.organisation for e in words.of("practice_left_pcn")}


def test_the_diff_of_two_releases_on_disk_is_the_dry_run(walk: dict[str, Checked]) -> None:
    for month in CHECKED:
        checked = walk[month]
        assert diff_sources(checked.previous, checked.sources) == checked.planned.changes, month


def test_the_diff_command_gives_the_dry_runs_words(
    walk: dict[str, Checked], neo4j_settings: Settings
) -> None:
    done = run_cli(
        "diff",
        "--releases",
        str(RELEASES),
        FIRST,
        "2022-04",
        "--format",
        "json",
        env=settings_env(neo4j_settings),
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report == {
        "report": f"diff {FIRST} -> 2022-04",
        "changes": len(walk["2022-04"].planned.changes),
        **walk["2022-04"].words.as_dict(),
    }
    table = run_cli("diff", "--releases", str(RELEASES), FIRST, "2022-04", env={"COLUMNS": "300"})
    assert table.returncode == 0, table.stderr
    assert "pcn_formed" in table.stdout
    assert "EDMONTON PCN" in table.stdout
    csv_form = run_cli("diff", "--releases", str(RELEASES), FIRST, "2022-04", "--format", "csv")
    assert csv_form.returncode == 0, csv_form.stderr
    lines = csv_form.stdout.splitlines()
    assert lines[0] == "section,kind,id,name,before,after,detail,lsoas,population"
    assert sum(line.startswith("event,") for line in lines) == len(walk["2022-04"].words.events)


def test_the_dry_run_command_reports_and_exits_0_and_the_load_reports_the_same(
    walk: dict[str, Checked], neo4j_settings: Settings
) -> None:
    # The graph now holds the last release checked: a dry run of the first finds the way back.
    env = {**settings_env(neo4j_settings), "COLUMNS": "300"}
    back = ["load", "reference", "--from", str(walk["2022-04"].folder), "--allow-removals"]
    done = run_cli(*back, "--dry-run", "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["dry_run"] is True
    assert report["changes"] > 0
    reopened = {e["organisation"] for e in report["events"] if e["event"] == "trust_opened"}
    assert {"ods:RAP", "ods:RRP", "ods:RY9"} <= reopened
    assert isinstance(report["impact"], list)
    # The real load prints the same events (worked out from its plan before it writes).
    loaded = run_cli(*back, "--format", "csv", env=env)
    assert loaded.returncode == 0, loaded.stderr
    events = {
        tuple(line.split(",")[1:3])
        for line in loaded.stdout.splitlines()
        if line.startswith("event,")
    }
    assert events == {(e["event"], e["organisation"]) for e in report["events"]}
    again = run_cli(*back, "--dry-run", env=env)
    assert again.returncode == 0, again.stderr
    assert "dry run: 0 event(s)" in again.stdout  # the graph now holds that release


def _malformed(folder: Path, into: Path) -> tuple[Path, int]:
    """A copy of a composed folder whose epraccur file has a truncated row: its path and line."""
    shutil.copytree(folder, into, symlinks=True)
    path = into / "london_gp_practices_epraccur.csv"
    lines = path.read_text().splitlines()
    lines[5] = ",".join(lines[5].split(",")[:4])
    path.write_text("\n".join(lines) + "\n")
    return path, 6


def test_a_malformed_release_file_exits_2_naming_the_file_and_row(
    walk: dict[str, Checked], neo4j_settings: Settings, tmp_path: Path
) -> None:
    path, line = _malformed(walk["2022-04"].folder, tmp_path / "bad")
    env = settings_env(neo4j_settings)
    before = _fingerprint_env(neo4j_settings)
    dry = run_cli("load", "reference", "--from", str(tmp_path / "bad"), "--dry-run", env=env)
    assert dry.returncode == 2, dry.stdout + dry.stderr
    assert f"{path}:{line}" in dry.stderr.replace("\n", "")
    differ = run_cli("diff", str(walk["2022-04"].folder), str(tmp_path / "bad"))
    assert differ.returncode == 2, differ.stdout + differ.stderr
    assert f"{path}:{line}" in differ.stderr.replace("\n", "")
    assert _fingerprint_env(neo4j_settings) == before


def _fingerprint_env(settings: Settings) -> tuple[Any, ...]:
    from nhgraph.store.db import get_database

    return _fingerprint(get_database(settings))


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["diff", "--releases", str(RELEASES), "2019-01", "2022-04"], "2019-01"),
        (["diff", "--releases", str(RELEASES), "2022-04", "2022-13"], "2022-13"),
        (["diff", "/nonexistent-old", "/nonexistent-new"], "/nonexistent-old"),
        (["diff", "--releases", str(RELEASES), FIRST, "2022-04", "--format", "xml"], "xml"),
        (["load", "reference", "--dry-run", "--format", "xml"], "xml"),
    ],
)
def test_bad_months_folders_and_formats_exit_2(
    neo4j_settings: Settings, args: list[str], says: str
) -> None:
    done = run_cli(*args, env=settings_env(neo4j_settings))
    assert done.returncode == 2, done.stdout + done.stderr
    assert says in done.stderr


def test_an_unknown_month_names_the_months_there_are() -> None:
    done = run_cli("diff", "--releases", str(require(RELEASES)), "2019-01", "2022-04")
    assert done.returncode == 2
    assert "2022-04" in done.stderr
    assert "2025-07" in done.stderr
