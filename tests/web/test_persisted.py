"""The web app on an API that accepts only persisted operations (NHGRAPH_API_PERSISTED_ONLY, as
production may be set): every view asks its operations by hash (nhgraph/web/operations, which
the API registers), and works; an edit is checked and made through its mutation by hash. Every
request the app sends is watched: each names its operation's hash and none sends text, so no
view leans on the text fallback (which such an API would refuse)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from nhgraph.graphql.persisted import sha256_of
from nhgraph.store import db
from nhgraph.web.paths import OPERATIONS

from ..clients import ADMIN, KEYS
from ..conftest import LiveServer, make_test_settings
from .browser import Browser, Watched
from .test_edit import CAMDEN, footprints, name_of, preview_changes

BARNET_POSTCODE = "N20 0DH"


@pytest.fixture(scope="module")
def only(london: db.Database) -> Iterator[LiveServer]:
    """The API and its web app on London, accepting only persisted operations."""
    settings = make_test_settings(
        api_keys=KEYS, neo4j_uri=london.settings.neo4j_uri, api_persisted_only=True
    )
    with LiveServer(settings) as server:
        yield server


def by_hash(server: LiveServer, file: str, variables: dict[str, Any], key: str) -> Any:
    """One of the app's operations asked by hash over HTTP, as the app asks it."""
    text = (OPERATIONS / file).read_text(encoding="utf-8")
    response = httpx.post(
        f"{server.url}/graphql",
        json={
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256_of(text)}},
            "variables": variables,
        },
        headers={"Authorization": f"Bearer {key}"},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return response.json()


def watch_graphql(page: Watched) -> list[dict[str, Any]]:
    """The bodies the page posts to /graphql, from now on."""
    bodies: list[dict[str, Any]] = []

    def seen(request: Any) -> None:
        if request.url.endswith("/graphql") and request.method == "POST":
            bodies.append(json.loads(request.post_data or "{}"))

    page.page.on("request", seen)
    return bodies


def test_the_api_refuses_text_but_the_app_works_in_every_view(
    browser: Browser, only: LiveServer, london: db.Database
) -> None:
    # The API refuses any text it has not registered (the app's old way of asking).
    text = httpx.post(f"{only.url}/graphql", json={"query": "{ about { version } }"}, timeout=60)
    assert text.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"

    page = browser.open(only.url, "/#/key")
    bodies = watch_graphql(page)
    page.page.fill("#key-input", ADMIN)
    page.page.click("#key-submit")
    expect(page.page.locator("#signed-in-as")).to_contain_text("Signed in as")

    # The resident view: who serves a postcode.
    page.page.goto(f"{only.url}/#/resident?postcode={BARNET_POSTCODE.replace(' ', '+')}")
    expect(page.page.locator("#view-resident")).to_have_attribute(
        "data-state", "answered", timeout=60_000
    )
    expect(page.page.locator("#resident-place")).to_contain_text("Barnet")
    expect(page.page.locator("#app-error")).to_be_hidden()

    # The gaps view: every question, and the areas of each finding for its map link.
    page.page.goto(f"{only.url}/#/gaps")
    page.page.wait_for_selector(
        "#gaps-results[data-links='ready']", state="attached", timeout=180_000
    )
    assert page.page.locator("#gaps-results section.app-question").count() >= 13
    linked = page.page.locator("#gaps-results a.app-map-link").count()
    assert linked > 0, "the findings link to the map through the areas asked by hash"
    expect(page.page.locator("#app-error")).to_be_hidden()

    # The sharing view, for a place.
    page.page.goto(f"{only.url}/#/sharing?place={CAMDEN}")
    page.page.wait_for_selector(
        f"#sharing-results[data-state='ready'][data-place='{CAMDEN}']",
        state="attached",
        timeout=120_000,
    )
    expect(page.page.locator("#app-error")).to_be_hidden()

    # The edit view: a move checked (dry run) then made, by the Move mutation's hash.
    camden = footprints(london, CAMDEN)
    source, target = sorted(camden)[:2]
    lsoa = sorted(camden[source] - camden[target])[0]
    page.page.goto(f"{only.url}/#/edit?lsoas={lsoa}&from={source}")
    page.page.locator("form.app-edit-form").wait_for()
    page.page.select_option("#move-to", target)
    page.page.click("#move-check")
    shown = preview_changes(page, "move")
    assert any(lsoa in line for line in shown), shown
    assert footprints(london, CAMDEN) == camden
    try:
        page.page.click("#move-make")
        expect(page.page.locator("#move-done")).to_contain_text("Change made")
        assert lsoa in footprints(london, CAMDEN)[target]
        # The map: the panel of the area moved names its new neighbourhood.
        page.page.click("#move-see-map")
        panel = page.page.locator("#map-panel")
        expect(panel).to_contain_text(name_of(london, "Neighbourhood", target), timeout=120_000)
        serves = page.page.locator("#map-panel-serves .nhsuk-summary-list")
        expect(serves).to_be_visible(timeout=60_000)
        expect(page.page.locator("#app-error")).to_be_hidden()
        page.assert_clean()
    finally:
        if lsoa in footprints(london, CAMDEN)[target]:
            variables = {"lsoas": [lsoa], "from": target, "to": source, "dryRun": False}
            back = by_hash(only, "move.graphql", variables, ADMIN)
            assert back["data"]["result"]["__typename"] == "EditDone", back
    assert footprints(london, CAMDEN) == camden

    # Every request named its operation by hash, and none sent text.
    asked = {body.get("operationName") for body in bodies}
    assert {"Viewer", "WhoServes", "Places", "Sharing", "Outside", "Move", "PanelLsoa"} <= asked
    assert any(name and name.startswith("Finding") and name.endswith("Areas") for name in asked)
    assert all("query" not in body for body in bodies), [b for b in bodies if "query" in b]
    assert all(len(body["extensions"]["persistedQuery"]["sha256Hash"]) == 64 for body in bodies)
