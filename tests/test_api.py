"""The API over real HTTP: probes and GraphQL."""

from __future__ import annotations

import socket

import httpx

from nhgraph import __version__

from .conftest import LiveServer, make_test_settings


def test_healthz_answers(api: LiveServer) -> None:
    response = httpx.get(f"{api.url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


def test_readyz_says_neo4j_is_reachable(api: LiveServer) -> None:
    response = httpx.get(f"{api.url}/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_readyz_is_503_when_neo4j_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    settings = make_test_settings(neo4j_uri=f"bolt://127.0.0.1:{dead_port}", neo4j_retry_seconds=0)
    with LiveServer(settings) as server:
        response = httpx.get(f"{server.url}/readyz", timeout=30)
        assert response.status_code == 503
        assert "not reachable" in response.json()["neo4j"]
        assert httpx.get(f"{server.url}/healthz").status_code == 200


def test_graphql_answers_about(api: LiveServer) -> None:
    response = httpx.post(f"{api.url}/graphql", json={"query": "{ about { name version } }"})
    assert response.status_code == 200
    assert response.json() == {"data": {"about": {"name": "nhgraph", "version": __version__}}}
