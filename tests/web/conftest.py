"""What the web app's tests share: London loaded once for the package, the API serving it over
real HTTP with the test keys, and a real browser (see :mod:`tests.web.browser`).

Every module here reads the same London: a test that edits it puts back what it changed, so
the modules may run in any order.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nhgraph.config import PROJECT_ROOT, Settings
from nhgraph.load import load, read_sources
from nhgraph.store import db

from ..clients import KEYS
from ..conftest import LiveServer, make_test_settings
from ..world import ON
from .browser import browser  # noqa: F401 - a fixture, used by the modules

DEMO = PROJECT_ROOT / "data" / "demo"


@pytest.fixture(scope="package")
def london(database: db.Database, neo4j_settings: Settings) -> Iterator[db.Database]:
    """The database with London loaded (reference data and the demo dataset), for the package."""
    database.reset()
    result = load(
        database, read_sources(["reference", str(DEMO)], neo4j_settings), on=ON, workers=2
    )
    assert result.report.conforms
    yield database
    database.reset()


@pytest.fixture(scope="package")
def app(london: db.Database) -> Iterator[LiveServer]:
    """The API and its web app, on London, with the test keys of every role."""
    settings = make_test_settings(api_keys=KEYS, neo4j_uri=london.settings.neo4j_uri)
    with LiveServer(settings) as server:
        yield server
