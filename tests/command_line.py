"""Running the `nhgraph` command as a real process, wired to the test Neo4j: what the command
line tests share."""

from __future__ import annotations

import os
import subprocess
import sys

from nhgraph.config import Settings


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nhgraph", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def settings_env(settings: Settings) -> dict[str, str]:
    env = {
        "NHGRAPH_NEO4J_HOME": str(settings.neo4j_home),
        "NHGRAPH_NEO4J_BOLT_PORT": str(settings.neo4j_bolt_port),
        "NHGRAPH_NEO4J_SCHEME": settings.neo4j_scheme,
        "NHGRAPH_NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
    }
    if settings.neo4j_uri:
        env["NHGRAPH_NEO4J_URI"] = settings.neo4j_uri
    return env
