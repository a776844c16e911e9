"""The bad-input corpus through the command line: no traceback, no silent acceptance.

Every case is refused with its exit code and a message naming the file (and line where
known) and the rule. The command runs in this process (typer's runner: an exception that
escapes the command is caught and fails the case), against no database: `nhgraph validate`
reads files only, and `nhgraph load` of a reference loader refuses its input before it asks
Neo4j anything, so a case that got that far would fail on the unreachable server it is given.
Peak memory is measured on the worst inputs in a process of their own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from nhgraph.cli import app
from nhgraph.config import get_settings
from nhgraph.loaders.bounded import MAX_NODES, MAX_STRING

from .bad_field_inputs import FIELD_CASES
from .bad_inputs import ALIAS_BOMB, TEAM_CASES, Case, neighbourhood
from .bad_ods_inputs import ODS_CASES
from .bad_reference_inputs import REFERENCE_CASES, reference_copy
from .world import world, write_bundle

CASES: list[Case] = [*TEAM_CASES, *FIELD_CASES, *REFERENCE_CASES, *ODS_CASES]
#: Where the commands would find Neo4j: nowhere (a discard port), so none is touched.
NO_SERVER = {"NHGRAPH_NEO4J_URI": "bolt://127.0.0.1:9", "NHGRAPH_ENV": "test"}
PEAK_MB = 500


def prepare(case: Case, tmp_path: Path) -> tuple[list[str], dict[str, str], str]:
    """The command, its environment and the place a refusal must name, for one case."""
    env = {**NO_SERVER, **case.env}
    if case.importer in ("team-of-teams", "turtle"):
        folder = tmp_path / "world"
        folder.mkdir()
        write_bundle(folder / "world.yaml", world())
        at = case.build(folder) or case.at
        return ["validate", str(folder)], env, at
    folder = reference_copy(tmp_path / "reference")
    at = case.build(folder) or case.at
    return ["load", case.importer], {**env, "NHGRAPH_REFERENCE_DIR": str(folder)}, at


def run(args: list[str], env: Mapping[str, str]) -> Result:
    """The command line in this process, with settings read afresh from ``env``."""
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, args, env=dict(env))
    finally:
        get_settings.cache_clear()


def assert_refused(case: Case, output: str, exit_code: int, at: str, root: Path) -> None:
    assert "Traceback" not in output, output
    assert exit_code == case.exit_code, output
    assert str(root) in output, f"the file is not named by its path:\n{output}"
    assert at in output, f"{at!r} is not named:\n{output}"
    assert case.says in output, output
    assert len(output) < 20_000, "a refusal repeats what it refuses"


def test_the_corpus_is_large_and_covers_every_importer() -> None:
    assert len(CASES) >= 80
    assert len({case.id for case in CASES}) == len(CASES)
    importers = {case.importer for case in CASES}
    assert importers == {
        "team-of-teams",
        "turtle",
        "ons-geography",
        "ods-organisations",
        "ons-postcodes",
    }


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_a_bad_input_is_refused_clearly(case: Case, tmp_path: Path) -> None:
    args, env, at = prepare(case, tmp_path)
    done = run(args, env)
    if done.exception is not None and not isinstance(done.exception, SystemExit):
        raise AssertionError(f"{case.id}: the command raised") from done.exception
    assert_refused(case, done.output, done.exit_code, at, tmp_path)


# -- peak memory, in a process of its own --------------------------------------------------------

_MEASURE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stderr.write(done.stdout + done.stderr)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(done.returncode)\n"
)


def peak(args: list[str], env: Mapping[str, str]) -> tuple[float, int, str]:
    """Peak memory (MB) of `nhgraph ARGS` in a process of its own, its exit code and output."""
    command = [sys.executable, "-c", _MEASURE, sys.executable, "-m", "nhgraph", *args]
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **env}, timeout=300
    )
    return int(done.stdout.split()[-1]) / 1024, done.returncode, done.stderr


def _bomb_folder(folder: Path) -> Path:
    folder.mkdir()
    (folder / "bomb.yaml").write_text(ALIAS_BOMB, encoding="utf-8")
    return folder


def _sparse(path: Path, size: int) -> Path:
    path.parent.mkdir(exist_ok=True)
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


def _long_value(path: Path) -> Path:
    path.parent.mkdir(exist_ok=True)
    path.write_text(neighbourhood(body="name: " + "v" * (MAX_STRING * 50)), encoding="utf-8")
    return path


def _many_values(path: Path) -> Path:
    """A file just within the values bound, refused by the model for its last record."""
    path.parent.mkdir(exist_ok=True)
    records = MAX_NODES // 11 - 1
    with path.open("w", encoding="utf-8") as handle:
        handle.write("neighbourhoods:\n")
        for i in range(records):
            handle.write(
                f"  - {{id: n{i:06d}, name: N {i}, place: E09000007, lsoas: [E01000800]}}\n"
            )
        handle.write("  - {id: last, name: Last, place: E0900000X, lsoas: [E01000800]}\n")
    return path


@pytest.mark.parametrize(
    ("name", "make", "command", "exit_code", "says"),
    [
        ("alias-bomb-validated", _bomb_folder, "validate", 2, f"more than {MAX_NODES} values"),
        ("alias-bomb-loaded", _bomb_folder, "load", 2, f"more than {MAX_NODES} values"),
        (
            "a-600-mb-file-validated",
            lambda p: _sparse(p / "big.yaml", 600 << 20),
            "validate",
            2,
            "(the limit, NHGRAPH_INPUT_MAX_MB)",
        ),
        (
            "a-600-mb-file-loaded",
            lambda p: _sparse(p / "big.yaml", 600 << 20).parent,
            "load",
            2,
            "(the limit, NHGRAPH_INPUT_MAX_MB)",
        ),
        (
            "a-50-mb-value",
            lambda p: _long_value(p / "long.yaml"),
            "validate",
            2,
            f"longer than {MAX_STRING} characters",
        ),
        (
            "values-up-to-the-bound",
            lambda p: _many_values(p / "many.yaml"),
            "validate",
            1,
            "is not an ONS local authority district (place",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and "-" in value else "",
)
def test_the_worst_inputs_are_refused_within_500_mb(
    tmp_path: Path, name: str, make: object, command: str, exit_code: int, says: str
) -> None:
    target = make(tmp_path / name)  # type: ignore[operator]
    megabytes, code, output = peak([command, str(target)], NO_SERVER)
    assert "Traceback" not in output, output
    assert code == exit_code, output
    assert says in output, output
    assert str(tmp_path) in output, output
    assert megabytes < PEAK_MB, f"{name}: peak {megabytes:.0f} MB"


def test_a_postcode_directory_past_its_limit_is_refused_unread(tmp_path: Path) -> None:
    folder = reference_copy(tmp_path / "reference")
    extract = folder / "london_postcode_lsoa21_partial.csv"
    extract.unlink()
    _sparse(extract, 5 << 30)  # a 5 GB file, sparse: nothing is written to disk
    env = {**NO_SERVER, "NHGRAPH_REFERENCE_DIR": str(folder)}
    megabytes, code, output = peak(["load", "ons-postcodes"], env)
    assert code == 2, output
    assert "(the limit, NHGRAPH_POSTCODE_FILE_MAX_MB)" in output, output
    assert megabytes < PEAK_MB
