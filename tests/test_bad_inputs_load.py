"""A representative part of the bad-input corpus through `nhgraph load` into the real Neo4j,
the small world loaded first: each is refused as `validate` refuses it, and the graph is
exactly as it was (nodes and relationships counted before and after).

The postcode cases stream a file (`nhgraph load postcodes:FILE`), which writes while it reads
inside one transaction: a refusal found on the last row must roll back what was written.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nhgraph.config import Settings
from nhgraph.load import load, read_sources
from nhgraph.store import db

from .bad_inputs import Case
from .test_bad_inputs import CASES, assert_refused, prepare
from .test_cli import settings_env
from .world import ON, world, write_bundle

COUNT_ALL = "MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n) AS n, count(r) AS r"
LOADED = (
    "alias-bomb-in-a-field",
    "too-many-aliases",
    "duplicate-key-in-a-record",
    "arabic-indic-digits-in-an-lsoa",
    "population-beyond-64-bits",
    "a-postcode-at-the-pole",
    "a-day-that-does-not-exist",
    "a-yaml-file-past-the-size-limit",
    "a-place-folder-linked-from-outside",
    "practice-opened-on-31-february",
)
HEADER = "postcode,latitude,longitude,LSOA21CD,LAD_CODE_via_LSOA21\n"
GOOD_ROWS = "".join(
    f"NW1 {i}AA,51.53,-0.14,E0100080{i},E09000007\n" for i in range(5)
)  # written before the bad row is read


def _postcodes(last_row: str, says: str, exit_code: int = 1, at: str = "postcodes.csv:7:") -> Case:
    def build(folder: Path) -> str | None:
        (folder / "postcodes.csv").write_text(HEADER + GOOD_ROWS + last_row, encoding="utf-8")
        return None

    return Case(f"streamed {says}", "postcodes:FILE", build, exit_code, says, at)


STREAMED = [
    _postcodes("NW1 9AA,90,-0.14,E01000800,E09000007\n", "less than or equal to 61"),
    _postcodes("NW1 9AA,1e309,-0.14,E01000800,E09000007\n", "finite number"),
    _postcodes("NW1 9AA,nan,-0.14,E01000800,E09000007\n", "finite number"),
    _postcodes("NW1 \uff19AA,51.53,-0.14,E01000800,E09000007\n", "is not a UK postcode"),
    _postcodes(
        "NW1 9AA,51.53,-0.14,E01000800,E09000007,shifted\n",
        "has 6 fields where the header has 5",
        exit_code=2,
    ),
    _postcodes("NW1 0AA,51.53,-0.14,E01000800,E09000007\n", "is also on line 2"),
]


@pytest.fixture(scope="module")
def loaded(
    database: db.Database, neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[db.Database]:
    """The small world loaded from a folder named as each case's folder is: a reload."""
    database.reset()
    folder = tmp_path_factory.mktemp("loaded") / "world"
    folder.mkdir()
    write_bundle(folder / "world.yaml", world())
    load(database, read_sources([str(folder)], neo4j_settings), on=ON)
    yield database
    database.reset()


def _load(args: list[str], env: dict[str, str], settings: Settings) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-m", "nhgraph", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **settings_env(settings), **env},
        timeout=300,
    )
    return done.stdout + done.stderr, done.returncode


@pytest.mark.parametrize("case", [c for c in CASES if c.id in LOADED], ids=lambda c: c.id)
def test_a_bad_input_loaded_is_refused_and_changes_nothing(
    loaded: db.Database, neo4j_settings: Settings, case: Case, tmp_path: Path
) -> None:
    args, env, at = prepare(case, tmp_path)
    args[0] = "load"  # a dataset folder, or a reference loader's name
    env.pop("NHGRAPH_NEO4J_URI")
    before = loaded.read(COUNT_ALL)
    output, code = _load(args, env, neo4j_settings)
    assert_refused(case, output, code, at, tmp_path)
    assert loaded.read(COUNT_ALL) == before


@pytest.mark.parametrize("case", STREAMED, ids=lambda c: c.id)
def test_a_bad_postcode_file_streamed_is_refused_and_changes_nothing(
    loaded: db.Database, neo4j_settings: Settings, case: Case, tmp_path: Path
) -> None:
    case.build(tmp_path)
    before = loaded.read(COUNT_ALL)
    output, code = _load(["load", f"postcodes:{tmp_path / 'postcodes.csv'}"], {}, neo4j_settings)
    assert_refused(case, output, code, case.at, tmp_path)
    assert loaded.read(COUNT_ALL) == before


def test_the_loaded_part_of_the_corpus_is_representative() -> None:
    assert len(LOADED) + len(STREAMED) >= 15
    assert {c.id for c in CASES} >= set(LOADED)
