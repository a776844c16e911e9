"""History of streamed postcode loads (`nhgraph load postcodes:FILE`, :func:`write_stream`):
each load is a change set like any other, with a change per postcode created, updated or
removed, so that ``history`` and ``asAt`` stay true after a reload; a load that changes
nothing, or is refused, records nothing."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bench.nspl import write_nspl
from nhgraph import questions
from nhgraph.config import Settings
from nhgraph.history import change_sets, history_of
from nhgraph.loaders.errors import InputError
from nhgraph.store import db
from nhgraph.store.history import MANY_CREATED, as_it_stood

from .command_line import run_cli, settings_env
from .test_postcodes import _geography, _postcodes, _stream

POSTCODE_SETS = "MATCH (s:ChangeSet) WHERE 'nspl.csv' IN s.source_versions RETURN count(s) AS n"


def _moment() -> datetime:
    time.sleep(0.02)
    moment = datetime.now(UTC)
    time.sleep(0.02)
    return moment


def _reloaded(path: Path) -> tuple[str, str, str]:
    """The file rewritten as a new release: its first London postcode gone, its second moved
    to another LSOA. Returns (the dropped postcode, the moved one, its new LSOA)."""
    lines = path.read_text().splitlines()
    london = [i for i, line in enumerate(lines) if ",E12000007," in line and ",202001," not in line]
    dropped, moved = lines[london[0]].split(","), lines[london[1]].split(",")
    other = next(
        line.split(",")[21]
        for line in (lines[i] for i in london[2:])
        if line.split(",")[21] != moved[21]
    )
    moved[21] = other
    lines[london[1]] = ",".join(moved)
    del lines[london[0]]
    path.write_text("\n".join(lines) + "\n")
    return dropped[2], moved[2], other


@pytest.fixture
def reloaded(graph: db.Database, neo4j_settings: Settings, tmp_path: Path) -> dict[str, Any]:
    """Geography, a moment, a postcode file streamed (more London postcodes than
    MANY_CREATED, so their creations are recorded in bulk), a moment noted, then a new
    release of the file (one postcode dropped, one moved) loaded by the command line."""
    path = write_nspl(tmp_path / "nspl.csv", 16_000)
    _geography(graph)
    before_postcodes = _moment()
    first = _stream(graph, path, size=500)
    between = _moment()
    before = _postcodes(graph)
    dropped, moved, lsoa = _reloaded(path)
    done = run_cli("load", f"postcodes:{path}", env=settings_env(neo4j_settings))
    assert done.returncode == 0, done.stderr
    return {
        "first": first,
        "before_postcodes": before_postcodes,
        "between": between,
        "before": before,
        "dropped": dropped,
        "moved": moved,
        "lsoa": lsoa,
        "path": path,
        "env": settings_env(neo4j_settings),
    }


def test_a_streamed_load_records_a_change_per_postcode_created(
    graph: db.Database, reloaded: dict[str, Any]
) -> None:
    rows = [r for r in change_sets(graph)[0] if "nspl.csv" in r["source_versions"]]
    assert [(r["created"], r["updated"], r["removed"]) for r in rows] == [
        (0, 1, 1),
        (len(reloaded["before"]), 0, 0),
    ]
    assert all(r["kind"] == "load" and r["source_versions"] == ["nspl.csv"] for r in rows)
    assert len(reloaded["before"]) > MANY_CREATED  # so the creations are recorded in bulk
    [count] = graph.read(
        "MATCH (c:Change {label: 'Postcode'}) RETURN count(c) AS changes, "
        "count(c.node_id) AS single, sum(size(coalesce(c.node_ids, []))) AS created"
    )
    assert count == {"changes": 3, "single": 2, "created": len(reloaded["before"])}


def test_history_of_a_moved_and_a_dropped_postcode(
    graph: db.Database, reloaded: dict[str, Any]
) -> None:
    moved, _ = history_of(graph, reloaded["moved"])
    assert [r["operation"] for r in moved] == ["updated", "created"]
    assert "lsoa" in moved[0]["fields"]
    assert moved[0]["before"]["lsoa"] == reloaded["before"][reloaded["moved"]]
    assert moved[0]["after"]["lsoa"] == reloaded["lsoa"]
    dropped, _ = history_of(graph, reloaded["dropped"])
    assert [r["operation"] for r in dropped] == ["removed", "created"]
    assert dropped[0]["before"]["lsoa"] == reloaded["before"][reloaded["dropped"]]
    assert dropped[0]["after"] is None
    shown = run_cli("history", reloaded["dropped"], "--format", "json", env=reloaded["env"])
    assert shown.returncode == 0, shown.stderr
    assert [r["operation"] for r in json.loads(shown.stdout)] == ["removed", "created"]


def test_as_at_before_the_reload_answers_with_the_old_postcodes(
    graph: db.Database, reloaded: dict[str, Any]
) -> None:
    then = as_it_stood(graph, reloaded["between"], _postcodes)
    assert then == reloaded["before"]
    assert _postcodes(graph) != then  # rolled back: the present is the reload's
    moved, dropped = reloaded["moved"], reloaded["dropped"]
    assert questions.who_serves(graph, postcode=moved)["lsoa"] == reloaded["lsoa"]
    old = questions.who_serves(graph, postcode=moved, as_at=reloaded["between"])
    assert old["lsoa"] == reloaded["before"][moved]
    with pytest.raises(questions.NotAnswerable):
        questions.who_serves(graph, postcode=dropped)
    gone = questions.who_serves(graph, postcode=dropped, as_at=reloaded["between"])
    assert gone["lsoa"] == reloaded["before"][dropped]
    # Before the first postcode load, its bulk creations are undone: no postcode is known.
    assert as_it_stood(graph, reloaded["before_postcodes"], _postcodes) == {}
    with pytest.raises(questions.NotAnswerable):
        questions.who_serves(graph, postcode=moved, as_at=reloaded["before_postcodes"])


def test_a_reload_that_changes_nothing_or_is_refused_records_nothing(
    graph: db.Database, reloaded: dict[str, Any]
) -> None:
    [sets] = graph.read(POSTCODE_SETS)
    _stream(graph, reloaded["path"])  # the same file again
    path: Path = reloaded["path"]
    lines = path.read_text().splitlines()
    last_london = max(i for i, line in enumerate(lines) if ",E12000007," in line)
    lines[last_london] = lines[last_london].replace(",51.5,", ",north,")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError):
        _stream(graph, path)
    assert graph.read(POSTCODE_SETS) == [sets]
