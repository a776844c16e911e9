"""The house's layers hold: the import contracts in pyproject.toml pass, and they would fail.

``make lint`` runs the contracts on the package; here they also run on a copy of the package
with one deliberate upward import, so a contract that could never break (a misspelt layer, a
layer missing from the list) fails this test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nhgraph.config import PROJECT_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(package_parent: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(PROJECT_ROOT / "pyproject.toml"), "--no-cache"],
        cwd=package_parent,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_the_layers_are_kept() -> None:
    result = _lint_imports(PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("schema/models.py", "from nhgraph.store import db"),
        ("ontology/rdf.py", "from nhgraph import questions"),
        ("store/rows.py", "from nhgraph.loaders import bundle"),
        ("loaders/ons.py", "from nhgraph import load"),
        ("questions.py", "from nhgraph.graphql import app"),
        ("validate.py", "from nhgraph import load"),
        ("config.py", "from nhgraph.store import db"),
        ("access.py", "from nhgraph import edits"),
        ("graphql/map.py", "from nhgraph.cli import app"),
        ("store/writer.py", "from nhgraph.access import Principal"),
    ],
)
def test_an_upward_import_breaks_a_contract(tmp_path: Path, module: str, upward: str) -> None:
    copy = tmp_path / "nhgraph"
    shutil.copytree(PROJECT_ROOT / "nhgraph", copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text() + f"\n{upward}  # deliberately upward\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    assert f"nhgraph.{module.removesuffix('.py').replace('/', '.')}" in result.stdout
