"""Team-of-teams files read together: every file's problems in one refusal, each model with
the file it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from nhgraph.loaders.bundle import read_files
from nhgraph.loaders.errors import InputError
from nhgraph.schema.models import Place

from .world import world, write_bundle


def test_each_model_comes_with_its_file(tmp_path: Path) -> None:
    models = world()
    places = [m for m in models if isinstance(m, Place)]
    first = write_bundle(tmp_path / "places.yaml", places)
    second = write_bundle(tmp_path / "rest.yaml", [m for m in models if m not in places])
    found = read_files([first, second])
    assert [m for m, _ in found][: len(places)] == places  # in the order of the files
    assert sorted(map(repr, (m for m, _ in found))) == sorted(map(repr, models))
    assert {path for m, path in found if isinstance(m, Place)} == {first}
    assert {path for m, path in found if not isinstance(m, Place)} == {second}


def test_every_file_is_read_before_one_refusal(tmp_path: Path) -> None:
    places = [m for m in world() if isinstance(m, Place)]
    good = write_bundle(tmp_path / "a.yaml", places)
    again = write_bundle(tmp_path / "b.yaml", places[:1])  # an id given twice
    broken = tmp_path / "c.yaml"
    broken.write_text("places:\n  - id: E09000007\n    name: [not, a, name]\n")
    empty = tmp_path / "d.yaml"
    empty.write_text("")
    with pytest.raises(InputError) as refused:
        read_files([good, again, broken, empty])
    files = [problem.file for problem in refused.value.problems]
    assert str(broken) in files
    assert str(empty) in files
    assert any("duplicate id" in p.message and p.file == str(again) for p in refused.value.problems)
    assert refused.value.unreadable  # the empty file cannot be read at all
    with pytest.raises(InputError) as only_rules:
        read_files([good, again])
    assert not only_rules.value.unreadable
