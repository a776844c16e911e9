"""GraphQL over HTTP conformance: graphql-http's server audits against the live /graphql.

The audits are the npm package graphql-http's (pinned in conformance/package.json, installed
by ``make setup`` into conformance/node_modules); conformance/audit.mjs runs them against a
URL and prints the results as JSON. Every MUST audit has to pass; the SHOULD and MAY results
are written to conformance/results.md, which says where the API departs from the
recommendations.

Without Node (or without the installed audits) the test is skipped, except under CI (the
environment variable CI set), where it fails: CI must run it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from typing import Any, NoReturn

import pytest

from nhgraph.config import PROJECT_ROOT, Settings

from .conftest import LiveServer

CONFORMANCE = PROJECT_ROOT / "conformance"
AUDIT_SCRIPT = CONFORMANCE / "audit.mjs"
INSTALLED_STAMP = CONFORMANCE / "node_modules" / ".installed"
RESULTS_MD = CONFORMANCE / "results.md"
STATUS_WORDS = {"ok": "ok", "notice": "notice (optional)", "warn": "warn", "error": "error"}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(why: str) -> NoReturn:
    """Skip the test, or fail it under CI, where the audits must run."""
    if _in_ci():
        pytest.fail(f"{why} (CI is set, so the conformance audit may not be skipped)")
    pytest.skip(why)


@pytest.fixture(scope="session")
def node() -> str:
    """The node binary, once the audits are known to be runnable.

    Session-scoped so that pytest settles it before the (session) Neo4j fixture: a machine
    without Node skips at once.
    """
    found = shutil.which("node")
    if found is None:
        _unavailable(
            "node is not on the PATH: the GraphQL-over-HTTP conformance audit (graphql-http) "
            "needs Node.js 18+ and npm"
        )
    if not INSTALLED_STAMP.exists():
        _unavailable(
            "graphql-http is not installed in conformance/node_modules: run `make setup` "
            "(it runs `npm ci --prefix conformance`)"
        )
    return found


@pytest.fixture(scope="module")
def conformance_server(neo4j_settings: Settings) -> Iterator[LiveServer]:
    with LiveServer(neo4j_settings) as server:
        yield server


def _run_audits(node: str, url: str) -> list[dict[str, Any]]:
    completed = subprocess.run(
        [node, str(AUDIT_SCRIPT), url],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, (
        f"conformance/audit.mjs exited {completed.returncode}:\n{completed.stderr}"
    )
    results: list[dict[str, Any]] = json.loads(completed.stdout)
    assert results, "conformance/audit.mjs ran no audit"
    return results


def _graphql_http_version() -> str:
    package = CONFORMANCE / "node_modules" / "graphql-http" / "package.json"
    return str(json.loads(package.read_text(encoding="utf-8"))["version"])


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _write_results(results: list[dict[str, Any]]) -> None:
    """conformance/results.md: the MUST tally, and a row for each SHOULD and MAY audit."""
    musts = [r for r in results if r["name"].startswith("MUST")]
    others = [r for r in results if not r["name"].startswith("MUST")]
    must_ok = sum(r["status"] == "ok" for r in musts)
    other_ok = sum(r["status"] == "ok" for r in others)
    lines = [
        "# GraphQL over HTTP conformance",
        "",
        "Written by `tests/test_conformance.py` (part of `make test`), which runs the server "
        f"audits of the npm package graphql-http {_graphql_http_version()} "
        "(`conformance/audit.mjs`) against nhgraph's `/graphql` over real HTTP. Every MUST "
        "audit has to pass for the test to pass.",
        "",
        f"- MUST: {must_ok} of {len(musts)} pass.",
        f"- SHOULD and MAY: {other_ok} of {len(others)} pass; each is below.",
        "",
        "| audit | name | result |",
        "| --- | --- | --- |",
    ]
    for result in others:
        word = STATUS_WORDS.get(result["status"], result["status"])
        if result["status"] != "ok" and result.get("reason"):
            word = f"{word}: {result['reason']}"
        lines.append(f"| `{result['id']}` | {_cell(result['name'])} | {_cell(word)} |")
    RESULTS_MD.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _describe_failure(result: dict[str, Any]) -> str:
    response = json.dumps(result.get("response"), indent=2, sort_keys=True)
    return (
        f"- {result['id']} {result['name']}\n"
        f"    reason: {result.get('reason')}\n"
        f"    response: {textwrap.indent(response, '    ').lstrip()}"
    )


def test_every_must_audit_of_graphql_over_http_passes(
    node: str, conformance_server: LiveServer
) -> None:
    results = _run_audits(node, f"{conformance_server.url}/graphql")
    _write_results(results)
    musts = [r for r in results if r["name"].startswith("MUST")]
    assert musts, "graphql-http ran no MUST audit"
    failures = [r for r in musts if r["status"] != "ok"]
    assert not failures, (
        f"{len(failures)} of {len(musts)} MUST audits of GraphQL over HTTP fail:\n"
        + "\n".join(_describe_failure(r) for r in failures)
    )
