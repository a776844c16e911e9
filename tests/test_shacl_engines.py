"""pyshacl and Apache Jena SHACL agree on every example: the world and each broken rule.

Jena runs from the jars `make setup` fetches with jena/pom.xml (Maven Central), in one JVM for
all examples. Both engines' reports are read by the same code, and compared as the set of
(focus node, rule, severity) for the rules that are named shapes, and as counts for all.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph

from nhgraph.config import PROJECT_ROOT
from nhgraph.ontology.report import ValidationResult, read_report
from nhgraph.ontology.shapes import load_shapes
from nhgraph.ontology.validation import data_graph_for, validate_graph

from .shape_cases import CASES, broken_graph, case_id, world_graph
from .world import ON

JENA_LIB = PROJECT_ROOT / "jena" / "target" / "lib"
BATCH = Path(__file__).with_name("jena") / "ShaclBatch.java"

pytestmark = pytest.mark.skipif(
    not any(JENA_LIB.glob("jena-shacl-*.jar")) or shutil.which("java") is None,
    reason="Jena's jars are not fetched (make setup fetches them)",
)


def _key(results: list[ValidationResult]) -> tuple[set[tuple[str, str, str]], Counter[str]]:
    named = {(r.focus_node, r.rule, r.severity) for r in results if "[" not in r.rule}
    return named, Counter(r.severity for r in results)


@pytest.fixture(scope="module")
def jena_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Graph]:
    folder = tmp_path_factory.mktemp("jena")
    shapes_file = folder / "shapes.ttl"
    load_shapes().serialize(shapes_file, format="turtle")
    examples = {"world": (world_graph(), ON)} | {
        case_id(case): (broken_graph(case), case.on) for case in CASES
    }
    files = {}
    for index, (name, (data, on)) in enumerate(examples.items()):
        path = folder / f"example-{index}.ttl"
        data_graph_for(data, on).serialize(path, format="turtle")
        files[name] = path
    done = subprocess.run(
        [
            "java",
            "-cp",
            f"{JENA_LIB}/*",
            str(BATCH),
            str(shapes_file),
            *[str(p) for p in files.values()],
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return {
        name: Graph().parse(f"{path}.report.ttl", format="turtle") for name, path in files.items()
    }


@pytest.mark.parametrize("name", ["world", *[case_id(case) for case in CASES]])
def test_both_engines_agree(name: str, jena_reports: dict[str, Graph]) -> None:
    if name == "world":
        data, on = world_graph(), ON
    else:
        case = next(c for c in CASES if case_id(c) == name)
        data, on = broken_graph(case), case.on
    ours = validate_graph(data, on=on)
    graph = data_graph_for(data, on)
    theirs = read_report(jena_reports[name], graph, load_shapes())
    assert _key(theirs) == _key(ours.results), f"pyshacl:\n{ours.to_text()}\njena:\n" + "\n".join(
        f"{r.rule} {r.focus_node} {r.severity} {r.message}" for r in theirs
    )
