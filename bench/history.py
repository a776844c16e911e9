"""History's cost, on London's reference data and its real ODS releases, in one run.

1. **Before**: a fresh Neo4j loaded with the release step that *is* the reference data (one
   change set, no history beyond it). ``who_serves`` (in this process) and the GraphQL
   ``resident`` query (the real app, in process, through its HTTP stack) are timed over a fixed
   sample of LSOAs, beside a control statement that history cannot touch.
2. Five release steps are then loaded in turn (``RELEASE_MONTHS``), the last being the
   reference's own step again, so the data ends as it began (checked: every label's count, and
   every sampled answer, equal before and after) with five releases of history stored.
3. **After**: the same timings again. ``present_ratio_after_over_before`` is each median after
   over before; ``..._over_control`` divides that by the control's own ratio, which the noisy
   shared machine moves without history having anything to do with it. Because before and
   after cannot be interleaved, ``present_with_and_without_history`` also times the present in
   alternating rounds with the five releases' history stored and with it out of sight (its
   nodes relabelled, so no label the present's statements read meets it), on the same data:
   ``ratio_with_over_without`` is the figure to read.
4. **asAt**: ``who_serves`` and the GraphQL resident query with ``asAt`` a moment between the
   last two loads, interleaved round by round with the present's: ``as_at_ratio_to_present``.
5. **Storage**: what history holds beside the present graph, in bytes of JSON: every model
   node's properties (and, beside it, without the LSOAs' boundary GeoJSON, which is most of the
   present's bytes) and 16 bytes per relationship, against every ChangeSet and Change node's
   properties; and the store files' size on disk before and after (which grow in Neo4j's own
   chunks and never shrink, so they over-state a small change).

Targets (issue 21): the present no slower (ratio about 1), asAt resident within 2 times the
present's, history for five releases under 2 times the present graph's size.
``python -m bench history --quick`` runs two steps and a few samples; its figures are not
written (a test runs :func:`measure` on the test server that way).
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import dir_mib, median, own_neo4j, write_results
from nhgraph.config import PROJECT_ROOT, Settings

RELEASES = PROJECT_ROOT.parent / "shared" / "data" / "releases"
LONDON = PROJECT_ROOT / "data" / "reference"
#: The step whose files are the reference data's (loaded first and last).
REFERENCE_MONTH = "2025-12"
#: Five steps loaded after it, in turn, the last the reference's own again.
RELEASE_MONTHS = ("2024-05", "2025-02", "2025-07", "2025-08", REFERENCE_MONTH)
QUICK_MONTHS = ("2025-08", REFERENCE_MONTH)
SAMPLE = 60
QUICK_SAMPLE = 5
ROUNDS = 3
QUICK_ROUNDS = 1
CONTROL = "MATCH (p:Place) RETURN count(p) AS n"
RESIDENT = """query($lsoa: String, $at: DateTime) {
  resident(lsoa: $lsoa, asAt: $at) { ... on Resident { lsoa placeName neighbourhoods { id }
    ints { id } teams { team provider } services { id } integrator { organisation } } }
}"""
RESIDENT_NOW = (
    RESIDENT.replace("$at: DateTime", "")
    .replace(", asAt: $at", "")
    .replace("query($lsoa: String, )", "query($lsoa: String)")
)


def _load(database: Any, settings: Settings, step: Any, root: Path) -> float:
    from nhgraph.load import load, read_sources
    from nhgraph.loaders.releases import compose

    folder = root / step.month
    if not folder.exists():
        compose(LONDON, step, folder)
    start = time.perf_counter()
    sources = read_sources(["reference"], settings.model_copy(update={"reference_dir": folder}))
    result = load(database, sources, workers=2, allow_removals=True)
    if not result.report.conforms:
        raise SystemExit(f"history bench: the {step.month} release was refused")
    return time.perf_counter() - start


def _timed(work: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
    start = time.perf_counter()
    work(*args, **kwargs)
    return (time.perf_counter() - start) * 1000


def _present(database: Any, client: Any, lsoas: list[str], rounds: int) -> dict[str, float]:
    """Median ms of who_serves, the GraphQL resident query and the control, interleaved."""
    from nhgraph import questions

    times: dict[str, list[float]] = {"who_serves": [], "graphql_resident": [], "control": []}
    for lsoa in lsoas:  # warm-up, not measured: Neo4j's plans and JIT, the app's
        questions.who_serves(database, lsoa=lsoa)
        _graphql(client, RESIDENT_NOW, {"lsoa": lsoa})
        database.read(CONTROL)
    for _ in range(rounds):
        for lsoa in lsoas:
            asked = {"lsoa": lsoa}
            times["who_serves"].append(_timed(questions.who_serves, database, **asked))
            times["graphql_resident"].append(_timed(_graphql, client, RESIDENT_NOW, asked))
            times["control"].append(_timed(database.read, CONTROL))
    return {name: round(median(values), 3) for name, values in times.items()}


def _hide(database: Any, hidden: bool) -> None:
    """Take history out of the graph's sight (its nodes relabelled) or put it back."""
    for label in ("ChangeSet", "Change"):
        old, new = (label, f"Bench{label}") if hidden else (f"Bench{label}", label)
        database.write(f"MATCH (n:{old}) SET n:{new} REMOVE n:{old}")


def _with_and_without(database: Any, client: Any, lsoas: list[str], rounds: int) -> dict[str, Any]:
    """The present's medians with the history stored and with it out of sight (relabelled,
    so no label the present reads meets it), in alternating rounds on the same data."""
    from nhgraph import questions

    times: dict[str, dict[str, list[float]]] = {
        side: {"who_serves": [], "graphql_resident": []} for side in ("with", "without")
    }
    try:
        for index in range(2 * rounds):
            side = "without" if index % 2 else "with"
            _hide(database, side == "without")
            for lsoa in lsoas:
                asked = {"lsoa": lsoa}
                times[side]["who_serves"].append(_timed(questions.who_serves, database, **asked))
                times[side]["graphql_resident"].append(
                    _timed(_graphql, client, RESIDENT_NOW, asked)
                )
    finally:
        _hide(database, False)
    medians = {
        side: {name: round(median(values), 3) for name, values in kinds.items()}
        for side, kinds in times.items()
    }
    return {
        **{f"{side}_history_ms": figures for side, figures in medians.items()},
        "ratio_with_over_without": {
            name: round(medians["with"][name] / medians["without"][name], 3)
            for name in ("who_serves", "graphql_resident")
        },
    }


def _graphql(client: Any, query: str, variables: dict[str, Any]) -> Any:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise SystemExit(f"history bench: GraphQL failed: {response.status_code} {body}")
    return body["data"]


def _answers(database: Any, lsoas: list[str]) -> str:
    from nhgraph import questions

    return json.dumps([questions.who_serves(database, lsoa=x) for x in lsoas], default=str)


def _counts(database: Any) -> dict[str, int]:
    from nhgraph.store import stored_counts

    return stored_counts(database)


def storage(database: Any) -> dict[str, Any]:
    """Bytes of JSON of the present graph's model nodes and relationships, and of history."""
    from nhgraph.schema.models import MODEL_CLASSES, class_name

    present = boundaries = 0
    for cls in MODEL_CLASSES:
        label = class_name(cls)
        for row in database.read(f"MATCH (n:{label}) RETURN properties(n) AS p"):
            props = {k: v for k, v in row["p"].items() if not k.startswith("box_")}
            present += len(json.dumps(props, default=str))
            boundaries += len(str(props.get("boundary") or ""))
    [rels] = database.read("MATCH ()-[r]->() RETURN count(r) AS n")
    present += 16 * rels["n"]
    history = 0
    for label in ("ChangeSet", "Change"):
        for row in database.read(f"MATCH (n:{label}) RETURN properties(n) AS p"):
            history += len(json.dumps(row["p"], default=str))
    return {
        "present_bytes": present,
        "present_bytes_without_boundaries": present - boundaries,
        "history_bytes": history,
        "history_over_present": round(history / present, 4),
        "history_over_present_without_boundaries": round(history / (present - boundaries), 4),
    }


def measure(
    database: Any,
    settings: Settings,
    *,
    months: tuple[str, ...] = RELEASE_MONTHS,
    sample: int = SAMPLE,
    rounds: int = ROUNDS,
    store: Path | None = None,
) -> dict[str, Any]:
    """The whole measurement on a database (emptied first), as the module's docstring says."""
    import tempfile

    from fastapi.testclient import TestClient

    from nhgraph.graphql.app import create_app
    from nhgraph.loaders.releases import timeline
    from nhgraph.store.history import history_size

    steps = {step.month: step for step in timeline(RELEASES)}
    root = Path(tempfile.mkdtemp(prefix="nhgraph-bench-history-"))
    try:
        database.reset()
        figures: dict[str, Any] = {"release_months": list(months)}
        figures["first_load_seconds"] = round(
            _load(database, settings, steps[REFERENCE_MONTH], root), 1
        )
        lsoas = sorted(r["id"] for r in database.read("MATCH (l:Lsoa) RETURN l.id AS id"))
        lsoas = random.Random(21).sample(lsoas, sample)
        counts, answers = _counts(database), _answers(database, lsoas)
        size_before = dir_mib(store) if store else None
        with TestClient(create_app(settings)) as client:
            before = _present(database, client, lsoas, rounds)
            loads = []
            moments = []
            for month in months:
                loads.append(round(_load(database, settings, steps[month], root), 1))
                time.sleep(0.01)
                moments.append(datetime.now(UTC))
                time.sleep(0.01)
            if _counts(database) != counts or _answers(database, lsoas) != answers:
                raise SystemExit("history bench: the data did not end as it began")
            after = _present(database, client, lsoas, rounds)
            interleaved = _with_and_without(database, client, lsoas, rounds)
            at = moments[-2]  # between the last two loads
            as_at: dict[str, list[float]] = {k: [] for k in ("who", "who_at", "gql", "gql_at")}
            from nhgraph import questions

            for lsoa in lsoas:  # warm-up, not measured
                questions.who_serves(database, lsoa=lsoa, as_at=at)
                _graphql(client, RESIDENT, {"lsoa": lsoa, "at": at.isoformat()})
            for _ in range(rounds):
                for lsoa in lsoas:
                    now, then = {"lsoa": lsoa}, {"lsoa": lsoa, "at": at.isoformat()}
                    as_at["who"].append(_timed(questions.who_serves, database, **now))
                    as_at["who_at"].append(_timed(questions.who_serves, database, **now, as_at=at))
                    as_at["gql"].append(_timed(_graphql, client, RESIDENT_NOW, now))
                    as_at["gql_at"].append(_timed(_graphql, client, RESIDENT, then))
        medians = {k: median(v) for k, v in as_at.items()}
        [undone] = database.read(
            "MATCH (c:Change) WHERE c.recorded_at > $t RETURN count(c) AS n", {"t": at}
        )
        control = after["control"] / before["control"]
        figures.update(
            {
                "release_load_seconds": loads,
                "lsoas_sampled": sample,
                "rounds": rounds,
                "present_before_ms": before,
                "present_after_ms": after,
                "present_ratio_after_over_before": {
                    k: round(after[k] / before[k], 3) for k in ("who_serves", "graphql_resident")
                },
                "present_with_and_without_history": interleaved,
                "present_ratio_after_over_before_over_control": {
                    k: round(after[k] / before[k] / control, 3)
                    for k in ("who_serves", "graphql_resident")
                },
                "as_at": {
                    "changes_undone": undone["n"],
                    "who_serves_ms": round(medians["who"], 3),
                    "who_serves_as_at_ms": round(medians["who_at"], 3),
                    "graphql_resident_ms": round(medians["gql"], 3),
                    "graphql_resident_as_at_ms": round(medians["gql_at"], 3),
                    "who_serves_ratio_to_present": round(medians["who_at"] / medians["who"], 3),
                    "graphql_ratio_to_present": round(medians["gql_at"] / medians["gql"], 3),
                },
                "history": history_size(database),
                "storage": storage(database),
            }
        )
        if store is not None and size_before is not None:
            figures["storage"]["store_mib_before_history"] = round(size_before, 1)
            figures["storage"]["store_mib_after_history"] = round(dir_mib(store), 1)
        return figures
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run() -> None:
    """Runs the measurement on a Neo4j of its own and writes bench/results/history.json (not
    in --quick mode)."""
    quick = "--quick" in sys.argv
    if not RELEASES.is_dir():
        raise SystemExit(f"history bench: {RELEASES} is absent (the real ODS releases)")
    with own_neo4j("nhgraph-bench-history-") as (database, settings, home):
        figures = measure(
            database,
            settings,
            months=QUICK_MONTHS if quick else RELEASE_MONTHS,
            sample=QUICK_SAMPLE if quick else SAMPLE,
            rounds=QUICK_ROUNDS if quick else ROUNDS,
            store=home / "neo4j" / "data" / "databases",
        )
    if quick:
        print(f"history (quick, not written): {json.dumps(figures)}")
    else:
        write_results("history", figures)
