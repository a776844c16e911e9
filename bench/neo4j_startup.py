"""Neo4j start-up time, memory at rest and the size of the jars.

Baseline: a bare JVM start (`java -version`) in the same run, so the start-up figure is also
given as a ratio that does not depend on how busy the machine is.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import dir_mib, free_port, median, rss_mib, write_results
from nhgraph.config import Settings
from nhgraph.store.localserver import LocalServer


def jvm_start_seconds(java: str, repeats: int = 5) -> float:
    """The median time of a bare JVM start (``java -version``), the baseline the Neo4j start-up is
    compared with."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([java, "-version"], capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return median(times)


def run(repeats: int = 2) -> dict[str, float]:
    """Neo4j's start-up and stop times and its memory at rest, on fresh homes and free ports, beside
    the bare JVM start."""
    starts, stops, rss = [], [], []
    base = Settings()
    for _ in range(repeats):
        home = Path(tempfile.mkdtemp(prefix="nhgraph-bench-neo4j-"))
        settings = base.model_copy(
            update={"neo4j_uri": None, "neo4j_home": home, "neo4j_bolt_port": free_port()}
        )
        server = LocalServer(settings)
        try:
            started = time.perf_counter()
            state = server.start()
            starts.append(time.perf_counter() - started)
            time.sleep(5)  # at rest: started, no queries
            assert state.pid is not None
            rss.append(rss_mib(state.pid))
            stopping = time.perf_counter()
            server.stop()
            stops.append(time.perf_counter() - stopping)
        finally:
            server.stop()
            shutil.rmtree(home, ignore_errors=True)
    jvm = jvm_start_seconds(LocalServer(base.model_copy(update={"neo4j_uri": None}))._java())
    figures = {
        "start_seconds_median": round(median(starts), 2),
        "start_seconds_first": round(starts[0], 2),
        "stop_seconds_median": round(median(stops), 2),
        "rss_at_rest_mib_median": round(median(rss), 1),
        "heap_setting": base.neo4j_heap,
        "pagecache_setting": base.neo4j_pagecache,
        "jars_mib": round(dir_mib(base.neo4j_lib), 1),
        "jar_count": len(list(base.neo4j_lib.glob("*.jar"))),
        "baseline_bare_jvm_start_seconds": round(jvm, 3),
        "ratio_start_to_bare_jvm": round(median(starts) / jvm, 1),
    }
    write_results("neo4j_startup", figures)
    return figures


if __name__ == "__main__":
    run()
