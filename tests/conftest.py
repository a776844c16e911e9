"""Fixtures that start what the tests need: a real Neo4j, and a clean graph per test.

The server is the one at NHGRAPH_NEO4J_URI when that is set; otherwise the project's own,
in its own home (var/neo4j-test) and port (NHGRAPH_TEST_BOLT_PORT, default 7688) so that a
test run never wipes the demo's data. It is started for the run and stopped after, unless it
was already running when the run began.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from nhgraph.config import PROJECT_ROOT, Settings
from nhgraph.store import db, write_models
from nhgraph.store.localserver import LocalServer


def make_test_settings(**overrides: object) -> Settings:
    """Settings for tests: the environment's, with the test server's home and port.

    The suite reaches the server through a ``neo4j://`` (routed) URI unless
    NHGRAPH_TEST_NEO4J_SCHEME says ``bolt``: a cluster or Aura is reached that way, so every
    read and write path the suite runs is one a cluster would route (reads to readers)."""
    values: dict[str, object] = {
        "env": "test",
        "neo4j_home": PROJECT_ROOT / "var" / "neo4j-test",
        "neo4j_bolt_port": int(os.environ.get("NHGRAPH_TEST_BOLT_PORT", "7688")),
        "neo4j_scheme": os.environ.get("NHGRAPH_TEST_NEO4J_SCHEME", "neo4j"),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def neo4j_settings() -> Iterator[Settings]:
    """A reachable Neo4j for the whole run, and the settings that reach it."""
    settings = make_test_settings()
    if not settings.manages_local_server:
        yield settings
        return
    server = LocalServer(settings)
    was_running = server.status().running
    server.start()
    try:
        yield settings
    finally:
        db.close_all()
        if not was_running:
            server.stop()


@pytest.fixture(scope="session")
def database(neo4j_settings: Settings) -> db.Database:
    return db.get_database(neo4j_settings)


@pytest.fixture
def graph(database: db.Database) -> db.Database:
    """A clean slate: Community has one database, so wipe it and re-create the constraints."""
    database.reset()
    return database


def load_london_demo(database: db.Database, settings: Settings, on: Any) -> None:
    """London's reference data and the demo's team-of-teams layer, loaded into a clean graph:
    what the modules that export or serve all of London share."""
    from nhgraph.load import load, read_sources

    database.reset()
    sources = read_sources(["reference", str(PROJECT_ROOT / "data" / "demo")], settings)
    load(database, sources, on=on, workers=2)


class LiveServer:
    """A uvicorn server in a thread on a free loopback port: tests speak real HTTP to it."""

    def __init__(self, settings: Settings) -> None:
        import socket
        import threading

        import uvicorn

        from nhgraph.graphql.app import create_app

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(settings)
        self.database = self.app.state.database
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        import time

        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the API server did not start")
            time.sleep(0.02)
        # The app plans the ORUK statements in the background at start-up: tests that count
        # the database's round trips must not count those.
        warming = getattr(self.app.state, "warming", None)
        if warming is not None:
            warming.join(timeout=120)
        return self

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@pytest.fixture(scope="session")
def api(neo4j_settings: Settings) -> Iterator[LiveServer]:
    """The API served over real HTTP, wired to the test Neo4j."""
    with LiveServer(neo4j_settings) as server:
        yield server


@pytest.fixture(scope="module")
def api_settings(neo4j_settings: Settings) -> Settings:
    """The test server's settings with the test keys of every role."""
    from .clients import KEYS

    return make_test_settings(api_keys=KEYS, neo4j_uri=neo4j_settings.neo4j_uri)


@pytest.fixture(scope="module")
def client(database: db.Database, api_settings: Settings) -> Iterator[Any]:
    """A client of the API over real HTTP, on the small world, for one module (a module that
    needs another graph defines its own)."""
    from .clients import Client
    from .world import world

    database.reset()
    write_models(database, world())
    with LiveServer(api_settings) as server:
        yield Client(server)
    database.reset()


@pytest.fixture(scope="session")
def fhir_validator() -> Iterator[Any]:
    """The HL7 FHIR validator loaded with UK Core STU2, one JVM for the whole run (it skips
    where ../shared/standards or the jars are absent, and fails so under CI)."""
    from .fhir_validator import start_validator

    yield from start_validator()
