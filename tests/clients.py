"""What the API tests share: the test keys of each role, a client that posts GraphQL to a live
server as one of them, and the header of a documented operation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from nhgraph.config import ApiKey
from nhgraph.store import db

from .conftest import LiveServer
from .world import CAMDEN

KEYS = {
    "camden-integrator-key-0000000001": ApiKey(
        name="camden-integrator", role="integrator", places=[CAMDEN]
    ),
    "governance-key-00000000000000001": ApiKey(name="ico-lead", role="governance"),
    "admin-key-0000000000000000000001": ApiKey(name="admin", role="admin"),
}
INTEGRATOR, GOVERNANCE, ADMIN = KEYS
ROLE_KEYS = {"public": None, "integrator": INTEGRATOR, "governance": GOVERNANCE, "admin": ADMIN}


class Client:
    """Posts GraphQL to a live server, as a role."""

    def __init__(self, server: LiveServer) -> None:
        self.url = f"{server.url}/graphql"
        self.database: db.Database = server.database
        self.server = server

    def post(
        self, query: str, variables: dict[str, Any] | None = None, key: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.post(
            self.url,
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=60,
        )

    def data(
        self, query: str, variables: dict[str, Any] | None = None, key: str | None = None
    ) -> Any:
        response = self.post(query, variables, key)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def errors(
        self, query: str, variables: dict[str, Any] | None = None, key: str | None = None
    ) -> list[Any]:
        body = self.post(query, variables, key).json()
        assert body.get("errors"), body
        return list(body["errors"])

    def walk(
        self, query: str, field: str, variables: dict[str, Any], total: int, first: int = 2
    ) -> list[Any]:
        """Every node of a list, a page of ``first`` at a time by its cursors (each page's
        count checked against ``total``), in the order the pages gave them."""
        seen: list[Any] = []
        after = None
        while True:
            connection = self.data(query, {**variables, "after": after, "first": first})[field]
            assert connection["totalCount"] == total
            seen += [edge["node"] for edge in connection["edges"]]
            if not connection["pageInfo"]["hasNextPage"]:
                return seen
            after = connection["pageInfo"]["endCursor"]


def operation_header(path: Path) -> dict[str, str]:
    """The ``# key: value`` lines at the top of an operation file."""
    header = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].partition(":")
        if key.strip() in ("role", "variables"):
            header[key.strip()] = value.strip()
    return header
