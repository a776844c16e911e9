"""Validation status as data: a stored-graph validation run, or a load, keeps its findings in
the graph, one run at a time, bounded by the cap, apart from the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nhgraph.config import Settings
from nhgraph.load import LoadRefused, load, read_sources
from nhgraph.ontology.report import ValidationReport, ValidationResult
from nhgraph.schema.models import Neighbourhood
from nhgraph.store import db, read_records, write_models
from nhgraph.store.findings import (
    BOOKKEEPING_LABELS,
    DEFAULT_MAX_FINDINGS,
    RUNS_KEPT,
    finding_rows,
    save_run,
)
from nhgraph.validate import save_stored_report, validate_stored

from .command_line import run_cli, settings_env
from .world import ON, world, write_bundle

#: A Team loses its provider: a Violation of a required link (TeamShape[nhg:providedBy]).
BREAK_TEAM = "MATCH (:Team {id: 'camden-pharmacy'})-[r:PROVIDED_BY]->() DELETE r"
FIX_TEAM = (
    "MATCH (t:Team {id: 'camden-pharmacy'}), (o:Organisation {id: 'ods:F83001'}) "
    "CREATE (t)-[:PROVIDED_BY]->(o)"
)
#: An LSOA of Camden North is covered by Camden South too: a Warning about the LSOA.
BREAK_LSOA = (
    "MATCH (n:Neighbourhood {id: 'camden-south'}), (l:Lsoa {id: 'E01000800'}) "
    "CREATE (n)-[:COVERS]->(l)"
)
#: The active agreement loses its lawful basis: a Violation about an agreement.
BREAK_AGREEMENT = "MATCH (a:DataSharingAgreement) REMOVE a.lawful_basis"

FINDINGS = (
    "MATCH (f:ValidationFinding) MATCH (r:ValidationRun {id: f.run}) "
    "RETURN f.node AS node, f.rule AS rule, f.severity AS severity, f.restricted AS restricted, "
    "f.value AS value, r.id AS run ORDER BY node, rule"
)


def write_bundle_dir(folder: Path, models: list[Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_bundle(folder / "team-of-teams.yaml", models)
    return folder


def _findings(graph: db.Database) -> list[dict[str, Any]]:
    return graph.read(FINDINGS)


def _runs(graph: db.Database) -> list[dict[str, Any]]:
    return graph.read("MATCH (r:ValidationRun) RETURN r {.*} AS run ORDER BY r.at")


@pytest.fixture
def small(graph: db.Database) -> db.Database:
    write_models(graph, world())
    return graph


def _save(graph: db.Database, cap: int = DEFAULT_MAX_FINDINGS) -> Any:
    return save_stored_report(graph, validate_stored(graph, on=ON), on=ON, cap=cap)


def test_a_run_keeps_each_finding_on_its_node_with_rule_and_severity(small: db.Database) -> None:
    small.write(BREAK_TEAM)
    small.write(BREAK_LSOA)
    run = _save(small)
    found = {(f["node"], f["rule"], f["severity"]) for f in _findings(small)}
    assert ("Team/camden-pharmacy", "nhgsh:TeamShape[nhg:providedBy]", "Violation") in found
    assert ("Lsoa/E01000800", "nhgsh:Lsoa-one-neighbourhood", "Warning") in found
    assert len(found) == 2
    [stored] = _runs(small)
    assert stored["run"]["id"] == run.id
    assert (stored["run"]["violations"], stored["run"]["warnings"]) == (1, 1)
    assert stored["run"]["conforms"] is False
    assert stored["run"]["trigger"] == "validate"
    assert (stored["run"]["stored"], stored["run"]["not_stored"]) == (2, 0)
    assert len(stored["run"]["shapes"]) == 16
    assert "1 violation(s), 1 warning(s); 2 finding(s) stored" in run.summary()


def test_a_second_run_after_the_fix_leaves_no_finding(small: db.Database) -> None:
    small.write(BREAK_TEAM)
    first = _save(small)
    assert [f["node"] for f in _findings(small)] == ["Team/camden-pharmacy"]
    small.write(FIX_TEAM)
    second = _save(small)
    assert _findings(small) == []
    assert [r["run"]["id"] for r in _runs(small)] == [first.id, second.id]
    assert small.read("MATCH (l:ValidationLog) RETURN l.latest AS latest") == [
        {"latest": second.id}
    ]
    assert second.conforms
    assert second.counts["Violation"] == 0


def test_the_cap_keeps_violations_first_and_counts_the_rest(small: db.Database) -> None:
    small.write(BREAK_LSOA)
    small.write(BREAK_TEAM)
    run = _save(small, cap=1)
    assert [(f["node"], f["severity"]) for f in _findings(small)] == [
        ("Team/camden-pharmacy", "Violation")
    ]
    assert (run.stored, run.not_stored, run.cap) == (1, 1, 1)
    [stored] = _runs(small)
    assert (stored["run"]["stored"], stored["run"]["not_stored"], stored["run"]["cap"]) == (1, 1, 1)
    _save(small, cap=0)
    assert _findings(small) == []
    assert _runs(small)[-1]["run"]["not_stored"] == 2


def test_only_the_last_runs_are_kept(small: db.Database) -> None:
    report = ValidationReport(conforms=True)
    ids = [save_run(small, report, on=ON, trigger="validate", shapes="x").id for _ in range(23)]
    assert [r["run"]["id"] for r in _runs(small)] == ids[-RUNS_KEPT:]


def test_findings_stay_apart_from_the_model(small: db.Database) -> None:
    """No edge joins a finding or a run to anything, and the stored-graph validation and the
    reader do not see them: a second validation finds what the first found, no more."""
    small.write(BREAK_TEAM)
    before = validate_stored(small, on=ON)
    save_stored_report(small, before, on=ON)
    joined = small.read(
        "MATCH (f)--() WHERE f:ValidationFinding OR f:ValidationRun OR f:ValidationLog "
        "RETURN count(*) AS n"
    )
    assert joined == [{"n": 0}]
    assert small.read("MATCH (f:ValidationFinding) RETURN count(f) AS n") == [{"n": 1}]
    assert BOOKKEEPING_LABELS.isdisjoint(read_records(small))
    after = validate_stored(small, on=ON)
    assert after.results == before.results


def test_a_finding_about_an_agreement_is_restricted_and_keeps_no_value(
    small: db.Database,
) -> None:
    small.write(BREAK_AGREEMENT)
    run = _save(small)
    [finding] = _findings(small)
    assert finding["node"] == "DataSharingAgreement/camden-direct-care"
    assert finding["restricted"] is True
    assert finding["value"] is None
    assert run.restricted_counts["Violation"] == run.counts["Violation"] == 1


def _result(**changes: Any) -> ValidationResult:
    values: dict[str, Any] = {
        "rule": "nhgsh:Test",
        "severity": "Warning",
        "focus_node": "organisation/ods/RKE",
        "focus_id": "ods:RKE",
        "focus_name": "A community trust",
        "path": None,
        "value": None,
        "message": "a message",
        "constraint": "SPARQLConstraintComponent",
    }
    values.update(changes)
    return ValidationResult(**values)


@pytest.mark.parametrize(
    ("changes", "restricted"),
    [
        ({}, False),
        ({"message": "Party to agreement/camden-direct-care"}, True),
        ({"value": "agreement/camden-direct-care"}, True),
        ({"focus_node": "post/gp-lead", "focus_id": "gp-lead"}, True),
        ({"message": "postcode/NW1 2AA is fine"}, False),  # a postcode is not a post
        ({"value": "lsoa/E01000800"}, False),
    ],
)
def test_what_is_restricted(changes: dict[str, Any], restricted: bool) -> None:
    [row] = finding_rows([_result(**changes)])
    assert row["restricted"] is restricted
    assert "A community trust" not in row.values()  # a finding never keeps the node's name


def test_a_finding_about_no_record_names_no_node() -> None:
    [row] = finding_rows([_result(focus_node="https://example.org/x", focus_id=None)])
    assert row["node"] is None
    [row] = finding_rows([_result(focus_node="unknown-segment/x", focus_id="x")])
    assert row["node"] is None


def test_a_long_value_is_cut() -> None:
    [row] = finding_rows([_result(value="x" * 5000)])
    assert len(row["value"]) == 300


def test_the_settings_default_is_the_stores() -> None:
    assert Settings().validation_max_findings == DEFAULT_MAX_FINDINGS


# -- a load saves its run ------------------------------------------------------------------------


def _with_shared_lsoa() -> list[Any]:
    models = world()
    for model in models:
        if isinstance(model, Neighbourhood) and model.id == "camden-south":
            model.lsoas = [*model.lsoas, "E01000800"]  # also in Camden North: a Warning
    return models


def test_a_load_saves_its_run_with_the_data(
    graph: db.Database, neo4j_settings: Settings, tmp_path: Path
) -> None:
    folder = write_bundle_dir(tmp_path / "warned", _with_shared_lsoa())
    result = load(graph, read_sources([str(folder)], neo4j_settings), on=ON, max_findings=10)
    assert result.run is not None
    assert result.run.trigger == "load"
    assert [(f["node"], f["rule"]) for f in _findings(graph)] == [
        ("Lsoa/E01000800", "nhgsh:Lsoa-one-neighbourhood")
    ]
    [stored] = _runs(graph)
    assert (stored["run"]["id"], stored["run"]["trigger"]) == (result.run.id, "load")
    assert stored["run"]["cap"] == 10
    # Loading the same data again changes nothing, so nothing is judged or saved.
    again = load(graph, read_sources([str(folder)], neo4j_settings), on=ON)
    assert again.run is None
    assert len(_runs(graph)) == 1


def test_a_refused_load_keeps_the_previous_run(
    graph: db.Database, neo4j_settings: Settings, tmp_path: Path
) -> None:
    folder = write_bundle_dir(tmp_path / "warned", _with_shared_lsoa())
    first = load(graph, read_sources([str(folder)], neo4j_settings), on=ON)
    models = world()
    for model in models:
        if isinstance(model, Neighbourhood) and model.id == "camden-north":
            model.lsoas = [*model.lsoas, "E01001700"]  # a Hackney LSOA: a Violation
    # The same source (a folder of the same name), so the load is refused by the shapes, not
    # as restating another source's records.
    again = read_sources(
        [str(write_bundle_dir(tmp_path / "again" / "warned", models))], neo4j_settings
    )
    with pytest.raises(LoadRefused):
        load(graph, again)
    assert [r["run"]["id"] for r in _runs(graph)] == [first.run.id if first.run else None]
    assert [f["node"] for f in _findings(graph)] == ["Lsoa/E01000800"]


def test_a_load_may_leave_its_run_unsaved(
    graph: db.Database, neo4j_settings: Settings, tmp_path: Path
) -> None:
    folder = write_bundle_dir(tmp_path / "warned", _with_shared_lsoa())
    result = load(graph, read_sources([str(folder)], neo4j_settings), on=ON, save_findings=False)
    assert result.run is None
    assert _runs(graph) == []


# -- the command line ----------------------------------------------------------------------------


def test_validate_stored_save_keeps_the_run(small: db.Database, neo4j_settings: Settings) -> None:
    small.write(BREAK_TEAM)
    env = {**settings_env(neo4j_settings), "NHGRAPH_VALIDATION_MAX_FINDINGS": "7"}
    done = run_cli("validate", "--stored", "--on", "2026-06-01", env=env)
    assert done.returncode == 1, done.stderr
    assert _runs(small) == []  # without --save nothing is kept
    done = run_cli("validate", "--stored", "--save", "--on", "2026-06-01", env=env)
    assert done.returncode == 1, done.stderr
    assert "saved validation run" in done.stderr
    assert "1 violation(s)" in done.stderr
    [stored] = _runs(small)
    assert (stored["run"]["trigger"], stored["run"]["cap"]) == ("validate", 7)
    assert str(stored["run"]["on"]) == "2026-06-01"
    assert [f["node"] for f in _findings(small)] == ["Team/camden-pharmacy"]


def test_save_needs_the_stored_graph(tmp_path: Path) -> None:
    folder = write_bundle_dir(tmp_path / "ok", world())
    done = run_cli("validate", str(folder), "--save")
    assert done.returncode == 2
    assert "--save keeps the results of --stored" in done.stderr
