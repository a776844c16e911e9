"""History over London's real ODS releases: the oldest release loaded, then newer ones in turn
(``../shared/data/releases/``; skipped where absent, a failure under CI).

Each load is a change set naming its release, counted as the load's summary counts; a practice
that closed between two releases (F82012 ceases between 2024-05 and 2025-02) has a history of
its creation and its removal, with its record before; a load killed midway leaves no half
change set and the history still equal to the state; and ``asAt`` a moment between two loads
answers as a graph loaded freshly from that release alone does: the same records, the same
resident answers on every LSOA of a place, the same answer to every gap and overlap question.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from nhgraph import queries, questions
from nhgraph.config import Settings
from nhgraph.history import change_sets, history_of
from nhgraph.history.diff import dry_run
from nhgraph.history.words import describe
from nhgraph.load import load, read_sources
from nhgraph.loaders.releases import Step, compose, timeline
from nhgraph.schema.models import MODEL_CLASSES, class_name
from nhgraph.store import db
from nhgraph.store.changes import NodeChange
from nhgraph.store.history import as_it_stood, change_set_changes
from nhgraph.store.reader import record_of
from nhgraph.store.statements import read_statement

from .command_line import settings_env
from .conftest import PROJECT_ROOT
from .standards import require

RELEASES = PROJECT_ROOT.parent / "shared" / "data" / "releases"
LONDON = PROJECT_ROOT / "data" / "reference"
#: The steps loaded in turn (months): the oldest, then 2024-05, then 2025-02, in which F82012
#: has ceased; 2025-08 is the load that is killed.
MONTHS = ("2021-11", "2024-05", "2025-02")
KILLED = "2025-08"
#: The step dry-run and then loaded after the killed one (a trusts' release).
DRY_RUN = "2025-07"
CLOSED = "ods:F82012"
PLACE = "E09000007"
#: Fields that say when and from which version a node was loaded, not what it says.
UNSAID = {"loaded_at", "source_version", "content_hash"}
#: The questions compared: every gap and overlap question of the catalog.
COMPARED = [
    name for name in queries.question_names() if queries.load(name).kind in ("gap", "overlap")
]


def _folder(step: Step, root: Path) -> Path:
    folder = root / step.month
    if not folder.exists():
        compose(LONDON, step, folder)
    return folder


def _load(database: db.Database, settings: Settings, folder: Path) -> Any:
    sources = read_sources(["reference"], settings.model_copy(update={"reference_dir": folder}))
    return load(database, sources, workers=2, allow_removals=True)


def _state(reader: Any) -> dict[str, Any]:
    """Everything compared between the graph as it stood and a fresh load: every record (less
    its loading stamps), who serves each LSOA of the place, and every gap and overlap answer."""
    records = {}
    for cls in MODEL_CLASSES:
        if cls.is_concept:
            continue
        label = class_name(cls)
        rows = [record_of(cls, row) for row in reader.read(read_statement(label))]
        records[label] = sorted(
            ({k: v for k, v in r.items() if k not in UNSAID} for r in rows), key=lambda r: r["id"]
        )
    lsoas = [
        r["id"]
        for r in reader.read(
            "MATCH (l:Lsoa)-[:IN_PLACE]->(:Place {id: $p}) RETURN l.id AS id ORDER BY id",
            {"p": PLACE},
        )
    ]
    residents = {lsoa: questions.who_serves(reader, lsoa=lsoa) for lsoa in lsoas}
    # Rows compared in a canonical order: a question orders by population, and ties (two
    # LSOAs of one size) come in whatever order the store finds them.
    answers = {
        name: sorted(
            json.dumps(row, sort_keys=True, default=str)
            for row in reader.read(queries.question(name), questions.parameters_for(name, {}))
        )
        for name in COMPARED
    }
    return {"records": records, "residents": residents, "answers": answers, "lsoas": lsoas}


@pytest.fixture(scope="module")
def releases(
    database: db.Database, neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The releases of MONTHS loaded in turn into a clean graph, with the moment after each."""
    steps = {step.month: step for step in timeline(require(RELEASES))}
    root = tmp_path_factory.mktemp("releases")
    database.reset()
    loaded: list[dict[str, Any]] = []
    for month in MONTHS:
        result = _load(database, neo4j_settings, _folder(steps[month], root))
        assert result.report.conforms, month
        time.sleep(0.05)
        loaded.append({"month": month, "result": result, "after": datetime.now(UTC)})
        time.sleep(0.05)
    yield {"steps": steps, "root": root, "loaded": loaded}
    database.reset()


def test_each_load_is_a_change_set_naming_its_release_and_counting_what_it_did(
    releases: dict[str, Any], database: db.Database
) -> None:
    rows, following = change_sets(database, limit=10)
    assert following is None
    assert [r["kind"] for r in rows] == ["load"] * len(MONTHS)
    for row, step in zip(reversed(rows), releases["loaded"], strict=True):
        written = step["result"].written
        assert row["created"] == sum(written.created.values()), step["month"]
        assert row["removed"] == sum(written.removed.values()), step["month"]
        assert row["updated"] <= sum(written.updated.values()), step["month"]
        assert any(v.startswith("epraccur ") for v in row["source_versions"]), row
    # Each release names itself by its files: no two loads of different files name the same.
    versions = [tuple(v for v in r["source_versions"] if v.startswith("epraccur")) for r in rows]
    assert len(set(versions)) == len(versions)
    # The last steps touched Camden's practices (by their postcodes' LSOAs or places).
    touched, _ = change_sets(database, place=PLACE, limit=10)
    assert touched
    assert {r["id"] for r in touched} <= {r["id"] for r in rows}
    unknown, _ = change_sets(database, place="E09999999", limit=10)
    assert unknown == []


@pytest.mark.usefixtures("releases")
def test_a_practice_closed_between_two_releases_has_its_creation_and_removal(
    database: db.Database,
) -> None:
    rows, more = history_of(database, CLOSED)
    assert not more
    assert [r["operation"] for r in rows] == ["removed", "created"]
    removed, created = rows
    assert removed["recorded_at"] > created["recorded_at"]
    assert removed["after"] is None
    assert created["before"] is None
    assert removed["before"]["name"]
    assert removed["before"]["kind"] == "gp_practice"
    assert created["after"]["name"] == removed["before"]["name"]
    assert database.read("MATCH (o:Organisation {id: $id}) RETURN o", {"id": CLOSED}) == []


def test_a_load_killed_midway_leaves_no_half_change_set_and_history_equals_the_state(
    releases: dict[str, Any], database: db.Database, neo4j_settings: Settings
) -> None:
    folder = _folder(releases["steps"][KILLED], releases["root"])
    [before] = database.read(
        "MATCH (s:ChangeSet) WITH count(s) AS sets "
        "MATCH (c:Change) RETURN sets, count(c) AS changes"
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nhgraph",
            "load",
            "reference",
            "--from",
            str(folder),
            "--allow-removals",
            "--workers",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**__import__("os").environ, **settings_env(neo4j_settings)},
    )
    assert process.stderr is not None
    for line in process.stderr:
        if line.strip() == "writing":
            break
    time.sleep(0.5)  # inside the write transaction, which waits for SHACL's verdict
    assert process.poll() is None, "the load finished before the kill"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    [after] = database.read(
        "MATCH (s:ChangeSet) WITH count(s) AS sets "
        "MATCH (c:Change) RETURN sets, count(c) AS changes"
    )
    assert after == before
    # Every change set is whole: its counts are its changes (a bulk creation names many).
    for row in database.read(
        "MATCH (s:ChangeSet) RETURN s.id AS id, s.created + s.updated + s.removed AS counted, "
        "COLLECT { MATCH (c:Change {change_set: s.id}) "
        "RETURN sum(coalesce(size(c.node_ids), 1)) }[0] AS held"
    ):
        assert row["counted"] == row["held"], row
    # History equals the state: what the history created less what it removed is what is
    # stored, label by label, and a node whose newest change removed it is not stored.
    net: Counter[str] = Counter()
    for row in database.read(
        "MATCH (c:Change) WHERE c.operation <> 'updated' "
        "RETURN c.label AS label, c.operation AS op, sum(coalesce(size(c.node_ids), 1)) AS n"
    ):
        net[row["label"]] += row["n"] if row["op"] == "created" else -row["n"]
    for label, count in net.items():
        [stored] = database.read(f"MATCH (n:{label}) RETURN count(n) AS n")
        assert stored["n"] == count, label
    newest = database.read(
        "MATCH (c:Change) WITH c ORDER BY c.recorded_at DESC "
        "WITH c.label AS label, c.node_id AS id, head(collect(c.operation)) AS op "
        "WHERE op = 'removed' RETURN label, id"
    )
    assert newest
    for row in newest:
        assert not database.read(
            f"MATCH (n:{row['label']} {{id: $id}}) RETURN n", {"id": row["id"]}
        ), row


def _canonical(change: NodeChange) -> tuple[str, str, str, str, str]:
    """A change as text, its list fields in order and its loading stamps left out, so that a
    plan's models and stored records compare as equals where they say the same."""

    def text(record: Any) -> str:
        if record is None:
            return "null"
        cleaned = {
            k: sorted(v, key=str) if isinstance(v, list) else v
            for k, v in record.items()
            if k not in UNSAID
        }
        return json.dumps(cleaned, sort_keys=True, default=str)

    return (
        change.label,
        change.node_id,
        change.operation,
        text(change.before),
        text(change.after),
    )


def test_a_dry_run_reports_exactly_the_change_set_its_load_then_records(
    releases: dict[str, Any], database: db.Database, neo4j_settings: Settings
) -> None:
    """The dry run of the next release (the etr of July 2025, trusts closing and renamed) says
    what the load then records: the same node changes, before and after, and the same words."""
    step = releases["steps"][DRY_RUN]
    folder = _folder(step, releases["root"])
    sources = read_sources(
        ["reference"], neo4j_settings.model_copy(update={"reference_dir": folder})
    )
    planned = dry_run(database, sources)
    assert planned.changes, "the release changes nothing: pick another"
    result = load(database, sources, workers=2, allow_removals=True)
    assert result.report.conforms
    [newest], _ = change_sets(database, limit=1)
    recorded = change_set_changes(database, newest["id"])
    assert sorted(map(_canonical, recorded)) == sorted(map(_canonical, planned.changes))
    said, done = describe(planned.changes, planned.names), describe(recorded, planned.names)
    assert said.as_dict() == done.as_dict()
    assert said.events, "the words name the release's events"


def test_as_at_between_two_loads_answers_as_a_fresh_load_of_that_release(
    releases: dict[str, Any], database: db.Database, neo4j_settings: Settings
) -> None:
    middle = releases["loaded"][1]  # after 2024-05, before 2025-02
    present_before = database.read("MATCH (n) RETURN count(n) AS n")
    then = as_it_stood(database, middle["after"], _state)
    # The as-at transaction was rolled back: the graph is as it was.
    assert database.read("MATCH (n) RETURN count(n) AS n") == present_before
    assert database.read("MATCH (o:Organisation {id: $id}) RETURN o", {"id": CLOSED}) == []
    assert any(r["id"] == CLOSED for r in then["records"]["Organisation"])
    assert len(then["lsoas"]) > 100
    # The same release loaded alone into a clean graph.
    database.reset()
    result = _load(
        database, neo4j_settings, _folder(releases["steps"][middle["month"]], releases["root"])
    )
    assert result.report.conforms
    fresh = _state(database)
    assert then["lsoas"] == fresh["lsoas"]
    for label in fresh["records"]:
        assert then["records"][label] == fresh["records"][label], label
    for lsoa in fresh["lsoas"]:
        assert then["residents"][lsoa] == fresh["residents"][lsoa], lsoa
    assert len(COMPARED) >= 13
    for name in COMPARED:
        assert then["answers"][name] == fresh["answers"][name], name
