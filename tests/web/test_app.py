"""The web app in a real browser: the page, the key, the map of London's LSOAs, and its headers."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.sync_api import expect

from nhgraph.store import db, version
from nhgraph.web.paths import VENDOR

from ..clients import GOVERNANCE, INTEGRATOR
from ..conftest import LiveServer
from .browser import Browser

LONDON_LSOAS = 4994


def open_map(browser: Browser, app: LiveServer, path: str = "/#/map") -> object:
    page = browser.open(app.url, path)
    page.page.wait_for_selector("#map[data-state='drawn']", timeout=120_000)
    return page


def test_the_landing_page_draws_every_london_lsoa_with_nothing_from_elsewhere(
    browser: Browser, app: LiveServer
) -> None:
    page = open_map(browser, app, "/")
    rendered = int(page.page.get_attribute("#map", "data-rendered-lsoas"))
    assert rendered == LONDON_LSOAS
    assert "4,994 areas drawn" in page.page.inner_text("#map-status")
    # The NHS.UK frontend's stylesheet is applied (its header colour), with no remote font.
    header = page.page.eval_on_selector(".nhsuk-header", "e => getComputedStyle(e).backgroundColor")
    assert header == "rgb(0, 94, 184)"
    assert page.page.evaluate("document.fonts.size") == 0
    page.assert_clean()
    assert any("/map/lsoas.geojson" in url for url in page.requests)
    page.screenshot("map")


def test_the_map_view_has_no_serious_accessibility_violation(
    browser: Browser, app: LiveServer
) -> None:
    page = open_map(browser, app)
    assert page.axe() == []
    page.assert_clean()


def test_selecting_an_lsoa_shows_its_panel_with_who_serves_it(
    browser: Browser, app: LiveServer
) -> None:
    page = open_map(browser, app, "/#/map?lsoa=E01000001")
    panel = page.page.locator("#map-panel")
    panel.get_by_text("E01000001").wait_for()
    expect(panel).to_contain_text("INTs")
    text = panel.inner_text()
    assert "City of London" in text
    assert "Deprivation decile" in text
    page.assert_clean()
    page.screenshot("map-panel")


def test_an_unknown_key_is_refused_in_the_words_of_the_api_and_not_kept(
    browser: Browser, app: LiveServer
) -> None:
    page = browser.open(app.url, "/#/key")
    page.page.fill("#key-input", "not-a-key-anyone-holds-000000")
    page.page.click("#key-submit")
    page.page.locator("#key-error").wait_for()
    assert "not one this service knows" in page.page.inner_text("#key-error")
    assert page.page.evaluate("sessionStorage.getItem('nhgraph.key')") is None
    assert page.axe() == []
    # The 401 is the API's answer, logged by the browser as a failed resource: expected here.
    page.problems = [p for p in page.problems if "401" not in p]
    page.assert_clean()


def test_a_key_is_kept_for_the_tab_only_and_sent_as_a_header(
    browser: Browser, app: LiveServer
) -> None:
    page = browser.open(app.url, "/#/key")
    page.page.fill("#key-input", GOVERNANCE)
    page.page.click("#key-submit")
    expect(page.page.locator("#signed-in-as")).to_contain_text("ico-lead")
    assert page.page.evaluate("sessionStorage.getItem('nhgraph.key')") == GOVERNANCE
    assert page.page.evaluate("localStorage.length") == 0
    assert page.page.context.cookies() == []
    assert GOVERNANCE not in page.page.url
    # Forgetting clears it; a new tab (a new context) never had it.
    page.page.goto(app.url + "/#/key")
    page.page.click("#key-forget")
    assert page.page.evaluate("sessionStorage.getItem('nhgraph.key')") is None
    other = browser.open(app.url, "/#/key")
    assert other.page.evaluate("sessionStorage.getItem('nhgraph.key')") is None
    page.assert_clean()


def test_every_app_response_carries_the_security_headers(app: LiveServer) -> None:
    for path in (
        "/",
        "/static/app.mjs",
        "/static/vendor/nhsuk-frontend.min.css",
        "/map/areas.geojson",
    ):
        response = httpx.get(app.url + path, timeout=60)
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy, path
        assert "'unsafe-inline'" not in policy, path
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
    module = httpx.get(app.url + "/static/vendor/maplibre/maplibre-gl.mjs", timeout=60)
    assert module.headers["content-type"].startswith("text/javascript")


def test_the_page_has_no_inline_script_or_style() -> None:
    from nhgraph.web import INDEX

    html = INDEX.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script"
    assert "<style" not in html
    assert " style=" not in html
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html


def test_the_vendored_packages_name_no_remote_resource() -> None:
    css = (VENDOR / "nhsuk-frontend.min.css").read_text(encoding="utf-8")
    assert "@font-face" not in css
    assert not re.search(r"url\(\s*['\"]?https?://", css)
    manifest = json.loads((VENDOR / "manifest.json").read_text())
    assert len(manifest) >= 5


def test_the_lsoa_layer_is_compressed_cached_and_revalidated(app: LiveServer) -> None:
    first = httpx.get(
        app.url + "/map/lsoas.geojson", headers={"Accept-Encoding": "gzip"}, timeout=120
    )
    assert first.status_code == 200
    assert first.headers["content-encoding"] == "gzip"
    wire = int(first.headers["content-length"])
    assert wire <= 3_000_000
    collection = json.loads(first.content)  # httpx has decoded it
    assert len(collection["features"]) == LONDON_LSOAS
    etag = first.headers["etag"]
    again = httpx.get(app.url + "/map/lsoas.geojson", headers={"If-None-Match": etag}, timeout=60)
    assert again.status_code == 304
    assert again.content == b""


def test_a_key_no_one_holds_is_refused_the_map_layer(app: LiveServer) -> None:
    response = httpx.get(
        app.url + "/map/lsoas.geojson", headers={"Authorization": "Bearer nobody"}, timeout=60
    )
    assert response.status_code == 401
    assert httpx.get(app.url + "/map/rivers.geojson", timeout=60).status_code == 404


@pytest.mark.parametrize("key", [None, INTEGRATOR])
def test_the_viewer_says_who_the_key_is(app: LiveServer, key: str | None) -> None:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    body = httpx.post(
        app.url + "/graphql",
        json={"query": "{ viewer { name role places mayEdit } }"},
        headers=headers,
        timeout=60,
    ).json()
    viewer = body["data"]["viewer"]
    assert viewer["role"] == ("integrator" if key else "public")
    assert viewer["mayEdit"] is bool(key)
    assert key not in json.dumps(body) if key else True


def test_hostile_text_in_the_graph_is_shown_as_text(
    browser: Browser, app: LiveServer, london: db.Database
) -> None:
    """A name holding markup (as a malicious or careless edit could store) is drawn as the
    characters it is: no element is made from it, and nothing runs."""
    hostile = '<img src=x onerror="window.__pwned=1">Hood'
    [row] = london.read(
        "MATCH (n:Neighbourhood)-[:COVERS]->(:Lsoa {id: 'E01000001'}) "
        "RETURN n.id AS id, n.name AS name"
    )

    def rename(name: str) -> None:
        def work(tx: db.Transaction) -> None:
            tx.run(
                "MATCH (n:Neighbourhood {id: $id}) SET n.name = $name",
                {"id": row["id"], "name": name},
            )
            version.advance(tx)  # as every write of the store does: the map's layers follow

        london.execute_write(work, what="renaming a neighbourhood for the test")

    rename(hostile)
    try:
        page = open_map(browser, app, "/#/map?lsoa=E01000001")
        panel = page.page.locator("#map-panel")
        expect(panel).to_contain_text(hostile)
        assert panel.locator("img").count() == 0
        assert page.page.evaluate("window.__pwned === undefined")
        page.assert_clean()
    finally:
        rename(row["name"])


#: The boxes of the place names shown, as the browser lays them out.
_SHOWN_PLACE_NAMES = """() => [...document.querySelectorAll('.app-place-label')]
  .filter((e) => !e.classList.contains('app-label-hidden'))
  .map((e) => { const r = e.getBoundingClientRect();
                return [e.textContent, r.left, r.top, r.right, r.bottom]; })"""


def _overlapping(boxes: list[list[object]]) -> list[tuple[object, object]]:
    return [
        (a[0], b[0])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[1] < b[3] and a[3] > b[1] and a[2] < b[4] and a[4] > b[2]  # type: ignore[operator]
    ]


def test_place_names_that_would_overlap_are_hidden_as_the_map_zooms_out(
    browser: Browser, app: LiveServer
) -> None:
    """A place's name is hidden where it would overlap a larger place's: zoomed out (as all
    of England's 296 places are at England's zoom), fewer names are shown and none overlaps
    another; zoomed back in, they come back."""
    page = open_map(browser, app)
    at_first = page.page.evaluate(_SHOWN_PLACE_NAMES)
    assert len(at_first) >= 20, at_first  # most of London's 33 boroughs fit side by side
    assert _overlapping(at_first) == []
    for _ in range(3):  # one zoom at a time: a click during an animation zooms from mid-way
        page.page.locator(".maplibregl-ctrl-zoom-out").click()
        page.page.wait_for_timeout(800)
    page.page.wait_for_function(
        f"() => ({_SHOWN_PLACE_NAMES})().length < {len(at_first)}", timeout=15_000
    )
    page.page.wait_for_timeout(1000)  # the last zoom's animation ends, and its declutter
    zoomed_out = page.page.evaluate(_SHOWN_PLACE_NAMES)
    assert 0 < len(zoomed_out) < len(at_first)
    assert _overlapping(zoomed_out) == []
    for _ in range(3):
        page.page.locator(".maplibregl-ctrl-zoom-in").click()
        page.page.wait_for_timeout(800)
    page.page.wait_for_function(
        f"() => ({_SHOWN_PLACE_NAMES})().length >= {len(at_first)}", timeout=15_000
    )
    page.assert_clean()
