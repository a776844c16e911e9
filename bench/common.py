"""Shared helpers: free ports, process memory, and the results file."""

from __future__ import annotations

import json
import platform
import shutil
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now, so a benchmark's Neo4j does not collide with
    another."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mib(pid: int) -> float:
    """Resident memory of a process (VmRSS), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def dir_mib(path: Path) -> float:
    """The size of the files under a folder, in MiB."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / (1024 * 1024)


def median(values: list[float]) -> float:
    """The median of the timings, the figure the benchmarks report because it resists a noisy shared
    machine."""
    return statistics.median(values)


def write_results(name: str, figures: dict[str, Any]) -> Path:
    """Writes a benchmark's figures to bench/results/<name>.json, with when and on what they were
    measured."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {
        "benchmark": name,
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"python": platform.python_version(), "cpus": platform.machine()},
        "figures": figures,
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"{name}: {json.dumps(figures)}\n  -> {path}")
    return path


@contextmanager
def own_neo4j(prefix: str, heap: str = "1g") -> Iterator[tuple[Any, Any, Path]]:
    """A fresh Neo4j of the project's own (new home, free port, a 1g heap unless told) for one
    benchmark, with its schema in place: yields (database, settings, home), and stops and
    removes it."""
    from nhgraph.config import Settings
    from nhgraph.store import db
    from nhgraph.store.localserver import LocalServer

    home = Path(tempfile.mkdtemp(prefix=prefix))
    settings = Settings().model_copy(
        update={
            "neo4j_uri": None,
            "neo4j_home": home / "neo4j",
            "neo4j_bolt_port": free_port(),
            "neo4j_heap": heap,
            "neo4j_pagecache": "512m",
        }
    )
    server = LocalServer(settings)
    server.start()
    database = db.Database(settings)
    try:
        database.ensure_schema()
        yield database, settings, home
    finally:
        database.close()
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def own_london(prefix: str) -> Iterator[tuple[Any, Any]]:
    """A fresh Neo4j of the project's own (see :func:`own_neo4j`) loaded with London: the
    reference data and the demo dataset, as ``make demo`` loads them; yields (database,
    settings)."""
    from nhgraph.config import PROJECT_ROOT
    from nhgraph.load import load, read_sources

    with own_neo4j(prefix) as (database, settings, _home):
        load(
            database,
            read_sources(["reference", str(PROJECT_ROOT / "data" / "demo")], settings),
            workers=2,
        )
        yield database, settings


class LargestTransaction:
    """The largest estimated heap of any transaction while a load runs, polled every 0.1 s
    from a session of its own (SHOW TRANSACTIONS): what a load needs of the server's memory."""

    def __init__(self, database: Any) -> None:
        self._database = database
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self.peak = 0

    def _poll(self) -> None:
        while not self._stop.wait(0.1):
            [row] = self._database.run_autocommit(
                "SHOW TRANSACTIONS YIELD estimatedUsedHeapMemory AS used RETURN max(used) AS most"
            )
            self.peak = max(self.peak, int(row["most"] or 0))

    def __enter__(self) -> LargestTransaction:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def mb(self) -> float:
        """The peak in MB."""
        return round(self.peak / 2**20, 1)
