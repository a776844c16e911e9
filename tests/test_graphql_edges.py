"""The HTTP and GraphQL edges over real HTTP (issue 23, 13): bodies that are not GraphQL
requests are answered 400 with a GraphQL error (they were 500s), bodies over the limit 413,
several operations need an operationName, and production reveals nothing it need not."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from nhgraph.config import Settings

from .clients import Client
from .conftest import LiveServer


@pytest.fixture(scope="module")
def production(api_settings: Settings) -> Iterator[LiveServer]:
    settings = api_settings.model_copy(update={"env": "production"})
    with LiveServer(settings) as server:
        yield server


def _post(url: str, body: bytes, **headers: str) -> httpx.Response:
    return httpx.post(
        url, content=body, headers={"content-type": "application/json", **headers}, timeout=60
    )


#: Bodies that are not a GraphQL request: each was answered 500 (or plain text) before.
BAD_BODIES = {
    "JSON nested 100,000 deep": b"[" * 100_000 + b"]" * 100_000,
    "an object nested 100,000 deep": b'{"query": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001,
    "a JSON string": b'"{ about { name } }"',
    "a JSON number": b"42",
    "JSON null": b"null",
    "invalid UTF-8": b'{"query": "{ about { name } }\xff\xfe"}',
    "UTF-16": '{"query": "{ about { name } }"}'.encode("utf-16"),
    "not JSON": b"{ about { name } }",
    "variables that are not an object": b'{"query": "{ about { name } }", "variables": [1]}',
}


def test_there_are_enough_bad_bodies() -> None:
    assert len(BAD_BODIES) >= 9


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_a_body_that_is_not_a_graphql_request_is_a_400_with_a_graphql_error(
    client: Client, body: bytes
) -> None:
    response = _post(client.url, body)
    assert response.status_code == 400, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    [error] = response.json()["errors"]
    assert error["message"]
    assert error["extensions"]["code"] == "BAD_REQUEST"


def test_a_body_over_the_limit_is_a_413_before_or_while_it_is_read(
    client: Client, api_settings: Settings
) -> None:
    big = b'{"query": "{ about { name } }", "x": "' + b"a" * 2_000_000 + b'"}'
    response = _post(client.url, big)
    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BODY_TOO_LARGE", "limit": 1_000_000}
    assert "1000000 bytes" in error["message"]

    # Without a Content-Length (chunked), the bytes are counted as they come.
    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ about { name } }", "x": "'
        for _ in range(40):
            yield b"a" * 50_000
        yield b'"}'

    response = httpx.post(
        client.url, content=chunks(), headers={"content-type": "application/json"}, timeout=60
    )
    assert response.status_code == 413, response.text[:300]
    assert response.json()["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE"
    # The limit is a setting, and a body under it is read as before.
    settings = api_settings.model_copy(update={"api_max_body_bytes": 5_000_000})
    with LiveServer(settings) as server:
        response = _post(f"{server.url}/graphql", big)
    assert response.status_code == 200, response.text[:300]
    assert response.json() == {"data": {"about": {"name": "nhgraph"}}}


def test_a_query_text_over_the_limit_is_refused_before_it_is_parsed(client: Client) -> None:
    """A 900 KB string literal took about 1.5 s to lex; values that long belong in variables."""
    long = '{ places(search: "' + "x" * 100_000 + '") { totalCount } }'
    [error] = client.errors(long)
    assert error["extensions"] == {"code": "QUERY_TOO_LARGE", "limit": 100_000}
    short = "query ($s: String) { places(search: $s) { totalCount } }"
    [error] = client.errors(short, {"s": "x" * 100_000})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_several_operations_need_an_operation_name(client: Client) -> None:
    document = "query A { about { name } } query B { about { version } }"
    response = httpx.post(client.url, json={"query": document}, timeout=60)
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert "operationName" in error["message"]
    named = httpx.post(client.url, json={"query": document, "operationName": "B"}, timeout=60)
    assert list(named.json()["data"]["about"]) == ["version"]
    unknown = httpx.post(client.url, json={"query": document, "operationName": "C"}, timeout=60)
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["message"]


# -- production reveals nothing it need not ------------------------------------------------------

#: Mistakes graphql-core answers with "Did you mean ...?" naming parts of the schema.
MISSPELT = {
    "a field": ("{ dataSharingAgreementz { totalCount } }", None),
    "a nested field": ("{ places { nodez { id } } }", None),
    "an argument": ('{ place(idd: "E09000007") { id } }', None),
    "an enum value": ("{ places(sort: NAMES) { totalCount } }", None),
    "an enum value in a variable": (
        "query ($s: SortBy!) { places(sort: $s) { totalCount } }",
        {"s": "NAMES"},
    ),
    "a type": ("{ ...F } fragment F on Placez { id }", None),
    "a variable's type": ("query ($s: SortByy!) { places(sort: $s) { totalCount } }", None),
    "an input field": (
        "mutation ($a: AgreementInput!) "
        "{ registerDataSharingAgreement(agreement: $a) { __typename } }",
        {
            "a": {
                "idd": "x",
                "name": "x",
                "controllers": [],
                "purposes": [],
                "validFrom": "2026-01-01",
            }
        },
    ),
}


def test_there_are_enough_misspellings() -> None:
    assert len(MISSPELT) >= 8


@pytest.mark.parametrize(("query", "variables"), MISSPELT.values(), ids=MISSPELT.keys())
def test_production_suggests_no_names_of_the_schema(
    client: Client, production: LiveServer, query: str, variables: dict[str, object] | None
) -> None:
    assert any("Did you mean" in e["message"] for e in client.errors(query, variables)), (
        "outside production the suggestion is kept"
    )
    errors = Client(production).errors(query, variables)
    assert not any("Did you mean" in e["message"] for e in errors), errors


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"])
def test_production_serves_no_api_documents(
    client: Client, production: LiveServer, path: str
) -> None:
    assert httpx.get(client.url.removesuffix("/graphql") + path).status_code in (200, 307)
    assert httpx.get(production.url + path).status_code == 404


def test_readyz_in_production_names_neither_the_server_nor_its_error(
    client: Client, production: LiveServer, api_settings: Settings
) -> None:
    ready = httpx.get(production.url + "/readyz", timeout=30)
    assert ready.json() == {"status": "ready"}
    assert api_settings.bolt_uri in httpx.get(client.url.removesuffix("/graphql") + "/readyz").text
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    dead = api_settings.model_copy(
        update={
            "env": "production",
            "neo4j_uri": f"bolt://127.0.0.1:{dead_port}",
            "neo4j_retry_seconds": 0,
        }
    )
    with LiveServer(dead) as server:
        response = httpx.get(f"{server.url}/readyz", timeout=30)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert str(dead_port) not in response.text
