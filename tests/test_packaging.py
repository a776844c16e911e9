"""What a newcomer runs must stay consistent: compose, Makefile, README, package layout."""

from __future__ import annotations

import re

import yaml

from nhgraph.config import DEVELOPMENT_PASSWORD, PROJECT_ROOT, Settings

SETTINGS_FIELDS = set(Settings.model_fields)


def test_compose_uses_only_settings_that_exist() -> None:
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    api_env = compose["services"]["api"]["environment"]
    names = {name.removeprefix("NHGRAPH_").lower() for name in api_env}
    assert names <= SETTINGS_FIELDS, names - SETTINGS_FIELDS
    assert compose["services"]["neo4j"]["image"] == "neo4j:5.26-community"
    assert "healthcheck" in compose["services"]["neo4j"]
    assert DEVELOPMENT_PASSWORD in api_env["NHGRAPH_NEO4J_PASSWORD"]


def test_readme_lists_every_setting_and_the_two_commands() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    for field in SETTINGS_FIELDS:
        assert f"NHGRAPH_{field.upper()}" in readme, f"README lacks NHGRAPH_{field.upper()}"
    assert "make demo" in readme
    assert "make test" in readme


def test_makefile_has_the_expected_targets() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z0-9-]+):", makefile, re.MULTILINE))
    assert {
        "help",
        "setup",
        "neo4j-start",
        "neo4j-stop",
        "demo",
        "test",
        "bench",
        "lint",
    } <= targets


def test_no_top_level_graphql_package_shadows_graphql_core() -> None:
    assert not (PROJECT_ROOT / "graphql" / "__init__.py").exists()
    import graphql

    assert "graphql-core" in (graphql.__doc__ or "") or hasattr(graphql, "graphql_sync")


def test_only_the_database_layer_imports_the_driver() -> None:
    offenders = [
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "nhgraph").rglob("*.py")
        if path != PROJECT_ROOT / "nhgraph" / "store" / "db.py"
        and re.search(r"^\s*(import neo4j|from neo4j)", path.read_text(), re.MULTILINE)
    ]
    assert offenders == []
