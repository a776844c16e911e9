"""The dry run of a London ODS release, against the real load of the same release in the same
run (``python -m bench dry_run``; ``--quick`` for one small round).

The graph holds one step of ../shared/data/releases; the next step is dry-run (read, planned,
the stored records of the nodes that would change read, described in the users' words, and
its impact asked, the PCNs after the change read in a rolled-back write), several times (as
``reference``, every loader, and as ``ods-organisations``, ODS's loader alone), and then
loaded for real, from the same graph each round. The target is the dry run in 5 s or
less; the ratio to the load says how much of a load's time a dry run costs on this machine,
which is shared and noisy. Figures go to bench/results/dry_run.json.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import median, own_neo4j, write_results

RELEASES = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "releases"
#: The steps measured: the graph at the first, the second dry-run then loaded. 2025-02 is the
#: largest of London's epraccur steps (about 350 node changes).
FULL = ("2024-10", "2025-02")
QUICK = ("2022-02", "2022-04")


def _timed(work: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def measure(
    database: Any,
    settings: Any,
    *,
    releases: Path = RELEASES,
    steps: tuple[str, str] = FULL,
    rounds: int = 3,
    loads: int = 1,
) -> dict[str, Any]:
    """Dry runs of ``steps[1]`` on the graph at ``steps[0]`` (``rounds`` of them), and real
    loads of it from that graph (``loads``, the graph put back to ``steps[0]`` before each)."""
    from nhgraph.config import PROJECT_ROOT
    from nhgraph.history.diff import dry_run
    from nhgraph.history.impact import change_impact
    from nhgraph.history.words import describe
    from nhgraph.load import load, read_sources
    from nhgraph.loaders.releases import compose, timeline

    by_month = {step.month: step for step in timeline(releases)}
    scratch = Path(tempfile.mkdtemp(prefix="nhgraph-bench-dry-run-"))
    try:
        folders = [
            compose(PROJECT_ROOT / "data" / "reference", by_month[m], scratch / m) for m in steps
        ]

        def read(folder: Path, what: str = "reference") -> Any:
            return read_sources([what], settings.model_copy(update={"reference_dir": folder}))

        def put_back() -> None:
            database.reset()
            load(database, read(folders[0]), workers=2, allow_removals=True)

        def dry(what: str = "reference") -> tuple[int, int, int]:
            planned = dry_run(database, read(folders[1], what))
            words = describe(planned.changes, planned.names)
            impact = change_impact(database, planned.changes, apply=planned.apply(database))
            return len(planned.changes), len(words.events), len(impact.rows)

        put_back()
        dry()  # the first run compiles the statements; the later ones are what a user waits
        dry_seconds: list[float] = []
        told: tuple[int, int, int] = (0, 0, 0)
        for _ in range(rounds):
            seconds, told = _timed(dry)
            dry_seconds.append(seconds)
        # An ODS release dry-run as ODS's loader alone (`nhgraph load ods-organisations`):
        # the same changes, without reading and comparing the ONS geography.
        ods_seconds = [_timed(lambda: dry("ods-organisations"))[0] for _ in range(rounds)]
        read_seconds = median([_timed(lambda: read(folders[1]))[0] for _ in range(rounds)])
        load_seconds: list[float] = []
        for index in range(loads):
            if index:
                put_back()
            sources = read(folders[1])
            seconds, _ = _timed(lambda s=sources: load(database, s, workers=2, allow_removals=True))
            load_seconds.append(seconds + read_seconds)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    dry_median, load_median = median(dry_seconds), median(load_seconds)
    return {
        "steps": list(steps),
        "changes": told[0],
        "events": told[1],
        "impact_rows": told[2],
        "dry_run_seconds": round(dry_median, 3),
        "dry_run_runs": [round(s, 3) for s in dry_seconds],
        "dry_run_ods_loader_only_seconds": round(median(ods_seconds), 3),
        "read_seconds": round(read_seconds, 3),
        "load_seconds": round(load_median, 3),
        "load_runs": [round(s, 3) for s in load_seconds],
        "ratio_dry_run_to_load": round(dry_median / load_median, 3),
    }


def targets(figures: dict[str, Any]) -> dict[str, bool]:
    """The issue's target: a London release's dry run in 5 s or less."""
    return {"dry_run_at_most_5_s": figures["dry_run_seconds"] <= 5}


def run() -> dict[str, Any]:
    """The benchmark on its own Neo4j; ``--quick`` measures the small 2022 ePCN step once."""
    if not RELEASES.is_dir():
        sys.exit(f"{RELEASES} is absent: the dry-run benchmark reads London's ODS releases there")
    quick = "--quick" in sys.argv
    with own_neo4j("nhgraph-bench-dry-run-") as (database, settings, _home):
        figures = measure(
            database,
            settings,
            steps=QUICK if quick else FULL,
            rounds=1 if quick else 3,
            loads=1 if quick else 2,
        )
    figures["targets"] = targets(figures)
    figures["quick"] = quick
    if not quick:
        write_results("dry_run", figures)
    else:
        print(figures)
    return figures


if __name__ == "__main__":
    run()
