"""The command line, run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from nhgraph.config import Settings

from .command_line import run_cli, settings_env


def test_status_of_the_test_server(neo4j_settings: Settings) -> None:
    done = run_cli("neo4j", "status", env=settings_env(neo4j_settings))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "running" in done.stdout or "reachable" in done.stdout


def test_db_init_creates_the_schema(neo4j_settings: Settings) -> None:
    done = run_cli("db", "init", env=settings_env(neo4j_settings))
    assert done.returncode == 0, done.stderr
    assert "constraints and indexes in place" in done.stdout


def test_production_with_the_default_password_exits_2(neo4j_settings: Settings) -> None:
    env = settings_env(neo4j_settings)
    env.pop("NHGRAPH_NEO4J_PASSWORD")
    env["NHGRAPH_ENV"] = "production"
    os_env = {k: v for k, v in os.environ.items() if k != "NHGRAPH_NEO4J_PASSWORD"}
    done = subprocess.run(
        [sys.executable, "-m", "nhgraph", "db", "init"],
        capture_output=True,
        text=True,
        env={**os_env, **env},
        timeout=60,
    )
    assert done.returncode == 2
    assert "NHGRAPH_NEO4J_PASSWORD" in done.stderr


@pytest.mark.parametrize("args", [["--help"], ["neo4j", "--help"], ["db", "--help"]])
def test_help(args: list[str]) -> None:
    done = run_cli(*args)
    assert done.returncode == 0
    assert "Usage" in done.stdout


def test_the_demo_loads_and_validates_london_without_serving(
    neo4j_settings: Settings, graph: Any
) -> None:
    """README's main command (``make demo`` runs ``nhgraph demo``), short of serving: it calls
    the load and validate commands as functions, so every option they have must be passed.
    It starts from a clean graph, as a fresh machine does: a graph left holding another test's
    records of no source is one the demo's load rightly refuses to restate."""
    done = subprocess.run(
        [sys.executable, "-m", "nhgraph", "demo", "--no-serve"],
        capture_output=True,
        text=True,
        env={**os.environ, **settings_env(neo4j_settings)},
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "validating the stored graph" in done.stdout
    assert graph.read("MATCH (n:Int) RETURN count(n) AS n")[0]["n"] > 0
    graph.reset()
