"""While Neo4j is down the API answers 503 with one clear error, and it recovers by itself when
Neo4j is back: the test stops the real server and starts it again under a running API."""

from __future__ import annotations

import time

import httpx
import pytest

from nhgraph.config import Settings
from nhgraph.store import db
from nhgraph.store.localserver import LocalServer

from .conftest import LiveServer

QUERY = {"query": '{ place(id: "E09000007") { name } resident(lsoa: "E01000800") { __typename } }'}


@pytest.mark.parametrize("cache", [0, 100], ids=["no-cache", "response-cache"])
def test_503_while_neo4j_is_down_and_recovery_when_it_is_back(
    neo4j_settings: Settings, database: db.Database, cache: int
) -> None:
    """With the response cache on, the version token cannot be read either: the same 503."""
    if not neo4j_settings.manages_local_server:
        pytest.skip("the test stops and starts the project's own Neo4j; this run uses another")
    server = LocalServer(neo4j_settings)
    settings = neo4j_settings.model_copy(
        update={"neo4j_retry_seconds": 0, "api_cache_entries": cache}
    )
    with LiveServer(settings) as api:
        url = f"{api.url}/graphql"
        assert httpx.post(url, json=QUERY, timeout=30).status_code == 200
        server.stop()
        try:
            down = httpx.post(url, json=QUERY, timeout=60)
            assert down.status_code == 503, down.text
            body = down.json()
            assert body["data"] is None
            assert [e["extensions"]["code"] for e in body["errors"]] == ["SERVICE_UNAVAILABLE"]
            assert "unavailable" in body["errors"][0]["message"]
            assert httpx.get(f"{api.url}/readyz", timeout=30).status_code == 503
            assert httpx.get(f"{api.url}/healthz", timeout=30).status_code == 200
        finally:
            server.start()
        deadline = time.monotonic() + 60
        while True:
            back = httpx.post(url, json=QUERY, timeout=60)
            # The first request after the restart may be answered REQUEST_TOO_SLOW: the
            # driver's pool still holds the dead server's connections (the request took 27 s
            # before requests had a time budget), and it is not back until that is past.
            if (back.status_code == 200 and "REQUEST_TOO_SLOW" not in back.text) or (
                time.monotonic() > deadline
            ):
                break
            time.sleep(0.5)
        assert back.status_code == 200, back.text
        assert "errors" not in back.json()
        assert httpx.get(f"{api.url}/readyz", timeout=30).status_code == 200
    database.verify()  # the tests' own driver recovers too
