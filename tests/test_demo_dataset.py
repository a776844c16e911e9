"""The demo dataset: current with its generator, illustrative, and its schema for editors."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from nhgraph.loaders.bundle import bundle_json_schema
from nhgraph.loaders.demo import DEMO_DIR, PLANTED, write
from nhgraph.schema.registry import BY_FILE_KEY


def test_the_committed_dataset_is_what_the_generator_writes(tmp_path: Path) -> None:
    fresh = write(tmp_path / "demo")
    committed = sorted(p.relative_to(DEMO_DIR) for p in DEMO_DIR.rglob("*") if p.is_file())
    generated = sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    assert committed == generated
    for relative in committed:
        assert (DEMO_DIR / relative).read_text() == (fresh / relative).read_text(), (
            f"{relative} is stale: run python -m nhgraph.loaders.demo"
        )


def test_every_place_has_a_folder_and_every_record_is_illustrative() -> None:
    folders = [p for p in DEMO_DIR.iterdir() if p.is_dir()]
    assert len(folders) == 33
    for path in DEMO_DIR.rglob("*.yaml"):
        assert path.read_text().startswith("# ILLUSTRATIVE")
        for records in yaml.safe_load(path.read_text()).values():
            assert all(record.get("illustrative") is True for record in records), path


def test_the_readme_lists_every_planted_gap() -> None:
    readme = (DEMO_DIR / "README.md").read_text()
    assert "ILLUSTRATIVE" in readme
    for name in PLANTED:
        assert f"`{name}`" in readme


def test_the_json_schema_covers_every_key() -> None:
    schema = json.loads(bundle_json_schema())
    assert set(schema["properties"]) == set(BY_FILE_KEY)
    assert schema["additionalProperties"] is False
    committed = json.loads((DEMO_DIR / "team-of-teams.schema.json").read_text())
    assert committed == schema
