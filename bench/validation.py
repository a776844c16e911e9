"""SHACL validation time and peak memory on the London graph, full and focus-node.

Each scenario runs in a fresh interpreter (spawn) so its peak RSS is its own. The baseline,
in the same run, is plain pyshacl with its default options on the same data and shapes.
Targets (issue 3): full validation of the London organisational graph in 5 s or less and
1 GB or less; focus-node validation of one INT in 100 ms or less.
"""

from __future__ import annotations

import multiprocessing
import resource
import statistics
import time
from datetime import date
from typing import Any

from bench.common import write_results

ON = date(2026, 6, 1)
FOCUS_INT = "e09000007-int1"


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _scenario(name: str, queue: Any) -> None:
    from bench.london import london_models
    from nhgraph.ontology.rdf import models_to_graph

    started = time.perf_counter()
    models = london_models()
    graph = models_to_graph(models)
    figures: dict[str, Any] = {
        "build_seconds": round(time.perf_counter() - started, 2),
        "triples": len(graph),
        "nodes": len(models),
    }
    if name in ("nhgraph_full", "nhgraph_full_2_workers"):
        from nhgraph.ontology.validation import validate_graph

        workers = 2 if name.endswith("2_workers") else 1
        started = time.perf_counter()
        report = validate_graph(graph, on=ON, copy=False, workers=workers)
        figures["seconds"] = round(time.perf_counter() - started, 2)
        figures["violations"] = len(report.violations)
        figures["warnings"] = len(report.warnings)
        figures["workers"] = workers
        figures["peak_rss_children_mib"] = round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        )
    elif name == "pyshacl_default":
        from pyshacl import validate
        from rdflib import Graph

        from nhgraph.ontology.shapes import load_shapes
        from nhgraph.ontology.validation import data_graph_for

        data = Graph()  # a plain rdflib graph: no prepared-query cache
        data += data_graph_for(graph, ON)
        shapes = load_shapes()
        started = time.perf_counter()
        validate(data, shacl_graph=shapes)
        figures["seconds"] = round(time.perf_counter() - started, 2)
    elif name == "nhgraph_focus":
        from nhgraph.ontology.namespaces import ID
        from nhgraph.ontology.validation import validate_focus

        times = []
        for _ in range(21):
            started = time.perf_counter()
            validate_focus(graph, [ID[f"int/{FOCUS_INT}"]], on=ON)
            times.append(time.perf_counter() - started)
        figures["first_ms"] = round(times[0] * 1000, 1)
        figures["median_ms"] = round(statistics.median(times[1:]) * 1000, 1)
    figures["peak_rss_mib"] = round(_peak_mib(), 1)
    queue.put(figures)


def _run(name: str) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_scenario, args=(name, queue))
    process.start()
    figures: dict[str, Any] = queue.get(timeout=1800)
    process.join()
    return figures


def run() -> dict[str, Any]:
    """The validation benchmark: each scenario in a fresh interpreter, and a summary against plain
    pyshacl's default run."""
    names = (
        "build_only",
        "nhgraph_full",
        "nhgraph_full_2_workers",
        "nhgraph_focus",
        "pyshacl_default",
    )
    results = {name: _run(name) for name in names}
    one, full = results["nhgraph_full"], results["nhgraph_full_2_workers"]
    base, focus = results["pyshacl_default"], results["nhgraph_focus"]
    summary = {
        "full_seconds": full["seconds"],
        "full_seconds_one_process": one["seconds"],
        "full_peak_rss_mib": max(full["peak_rss_mib"], full["peak_rss_children_mib"]),
        "focus_one_int_median_ms": focus["median_ms"],
        "baseline_pyshacl_default_seconds": base["seconds"],
        "ratio_full_to_baseline": round(full["seconds"] / base["seconds"], 3),
        "ratio_focus_to_full": round(focus["median_ms"] / 1000 / full["seconds"], 4),
        "target_full_5s_met": full["seconds"] <= 5.0,
        "target_full_1gb_met": full["peak_rss_mib"] + full["peak_rss_children_mib"] <= 1024,
        "target_focus_100ms_met": focus["median_ms"] <= 100,
    }
    write_results("validation", {"summary": summary, "scenarios": results})
    return summary


if __name__ == "__main__":
    run()
