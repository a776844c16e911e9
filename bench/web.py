"""The web app in a real browser (Debian's Chromium, through Playwright) on London, in one run.

Figures, each a median over rounds, on loopback:

* ``map_drawn``: from the landing page's navigation to every London LSOA drawn on the map
  (the app's ``nhgraph:map-drawn`` performance mark, after MapLibre's first ``idle`` with the
  features counted), with a **cold** browser cache (a new browser context each round) and a
  **warm** one (the same context, reloaded: the layers are revalidated by ETag and answered
  304). Its baseline, measured in the same rounds, is ``blank``: the same navigation to a page
  of the app that draws nothing (the key view, which still loads the NHS.UK frontend and the
  app's modules), so ``map_over_blank`` is what drawing London costs over loading the app.
* ``bare_maplibre``: the peer, MapLibre alone drawing the same layer from the same endpoint
  with one fill layer (no outlines, labels, legend or panel), cold, in the same rounds:
  ``map_over_bare_maplibre`` is what the app's map costs over the least a MapLibre map of
  London's LSOAs costs here.
* ``lsoa_layer``: the bytes of ``/map/lsoas.geojson`` over the wire (compressed) and decoded,
  as the browser's Resource Timing reports them.
* ``resident``: from asking for ``N20 0DH`` in the resident view to its rings drawn (the
  view's own ``answeredMs``), beside the part of it spent waiting for the API's answer (the
  view's ``apiMs``): ``resident_over_api`` is what drawing adds to the API.

Targets (issue 17): the map drawn in 2 s or less, cold and warm; the layer 3 MB or less over
the wire; the resident view 300 ms or less.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from typing import Any

import httpx

from bench.common import own_london, write_results
from bench.edits import served

ROUNDS = 7
RESIDENT_ROUNDS = 15
POSTCODE = "N20 0DH"
TARGETS = {"map_drawn_ms": 2000, "lsoa_layer_wire_bytes": 3_000_000, "resident_ms": 300}


def _browser() -> Any:
    from playwright.sync_api import sync_playwright

    from tests.web.browser import ARGS, chromium_path

    executable = chromium_path()
    if executable is None:
        sys.exit("bench web: no Chromium (apt-get install chromium, or set NHGRAPH_CHROMIUM)")
    playwright = sync_playwright().start()
    return playwright, playwright.chromium.launch(executable_path=executable, args=ARGS)


def _drawn(page: Any) -> float:
    page.wait_for_selector("#map[data-state='drawn']", timeout=120_000)
    return float(page.evaluate("performance.getEntriesByName('nhgraph:map-drawn')[0].startTime"))


#: The peer: the same LSOA layer drawn by MapLibre alone (one fill layer, nothing else), from
#: the same vendored module and the same endpoint, on a page of its own served in the same
#: origin: the floor any map of these 4,994 areas pays on this browser and machine.
BARE_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/static/vendor/maplibre/maplibre-gl.css"></head>
<body><div id="map"></div><script type="module">
import * as maplibregl from "/static/vendor/maplibre/maplibre-gl.mjs";
const box = document.getElementById("map");
box.style.width = "700px"; box.style.height = "700px";
const data = await (await fetch("/map/lsoas.geojson")).json();
const map = new maplibregl.Map({container: box, style: {version: 8, sources: {},
  layers: [{id: "bg", type: "background", paint: {"background-color": "#fff"}}]},
  bounds: [[-0.5104, 51.2868], [0.334, 51.6919]], fadeDuration: 0});
await new Promise((resolve) => map.on("load", resolve));
map.addSource("lsoas", {type: "geojson", data});
map.addLayer({id: "fill", type: "fill", source: "lsoas", paint: {"fill-color": "#8dd3c7"}});
await new Promise((resolve) => map.once("idle", resolve));
performance.mark("bare:drawn");
</script></body></html>"""


def _bare(page: Any, url: str) -> float:
    page.route(
        f"{url}/bench-bare.html",
        lambda route: route.fulfill(status=200, content_type="text/html", body=BARE_PAGE),
    )
    page.goto(f"{url}/bench-bare.html", wait_until="load")
    page.wait_for_function(
        "() => performance.getEntriesByName('bare:drawn').length > 0", timeout=120_000
    )
    return float(page.evaluate("performance.getEntriesByName('bare:drawn')[0].startTime"))


def _blank(page: Any, url: str) -> float:
    page.goto(f"{url}/#/key", wait_until="load")
    page.wait_for_selector("body[data-view='key']")
    return float(page.evaluate("performance.now()"))


def _layer_bytes(page: Any) -> dict[str, int]:
    entry = page.evaluate(
        "(() => { const e = performance.getEntriesByType('resource')"
        ".filter(r => r.name.includes('/map/lsoas.geojson')).pop();"
        " return e ? {wire: e.encodedBodySize, decoded: e.decodedBodySize,"
        " transfer: e.transferSize} : null; })()"
    )
    return dict(entry or {})


def _resident(page: Any) -> tuple[float | None, float]:
    """The view's answered time, and the part of it spent waiting for the API, in ms."""
    page.evaluate("location.hash = '#/resident'")
    page.wait_for_selector("#view-resident[data-state='ready']", timeout=30_000)
    page.evaluate(f"location.hash = '#/resident?postcode={POSTCODE.replace(' ', '%20')}'")
    try:
        page.wait_for_selector("#view-resident[data-state='answered']", timeout=30_000)
    except Exception:  # the view that answers is not built on this commit
        return None, float("nan")
    answered = page.get_attribute("#view-resident", "data-answered-ms")
    api = page.get_attribute("#view-resident", "data-api-ms")
    return (float(answered) if answered else None), float(api or "nan")


def measure(url: str) -> dict[str, Any]:
    """Every figure, against the app at ``url`` (already serving London)."""
    httpx.get(f"{url}/map/lsoas.geojson", timeout=120)  # the server's layers, built once
    httpx.get(f"{url}/map/areas.geojson", timeout=120)
    playwright, browser = _browser()
    cold: list[float] = []
    warm: list[float] = []
    blank: list[float] = []
    bare: list[float] = []
    layer: dict[str, int] = {}
    rendered = 0
    residents: list[float] = []
    apis: list[float] = []
    load_before = os.getloadavg()[0]
    try:
        for _ in range(ROUNDS):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            blank.append(_blank(page, url))
            context.close()
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            bare.append(_bare(context.new_page(), url))
            context.close()
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.goto(f"{url}/", wait_until="load")
            cold.append(_drawn(page))
            layer = _layer_bytes(page) or layer
            rendered = int(page.get_attribute("#map", "data-rendered-lsoas") or 0)
            page.reload(wait_until="load")
            warm.append(_drawn(page))
            context.close()
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(f"{url}/#/resident", wait_until="load")
        for _ in range(RESIDENT_ROUNDS):
            answered, api_ms = _resident(page)
            apis.append(api_ms)
            if answered is not None:
                residents.append(answered)
        context.close()
    finally:
        browser.close()
        playwright.stop()
    figures: dict[str, Any] = {
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "rounds": ROUNDS,
        "lsoas_rendered": rendered,
        "map_drawn_cold_ms": round(statistics.median(cold), 1),
        "map_drawn_warm_ms": round(statistics.median(warm), 1),
        "map_drawn_cold_max_ms": round(max(cold), 1),
        "blank_ms": round(statistics.median(blank), 1),
        "map_over_blank_cold": round(statistics.median(cold) / statistics.median(blank), 2),
        "bare_maplibre_cold_ms": round(statistics.median(bare), 1),
        "map_over_bare_maplibre_cold": round(statistics.median(cold) / statistics.median(bare), 2),
        "lsoa_layer": layer,
        "resident_api_ms": round(statistics.median(apis), 1),
    }
    if residents:
        figures["resident_view_ms"] = round(statistics.median(residents), 1)
        figures["resident_over_api"] = round(
            statistics.median(residents) / statistics.median(apis), 2
        )
    figures["targets"] = {
        "given": TARGETS,
        "met": {
            "map_drawn_ms": max(figures["map_drawn_cold_ms"], figures["map_drawn_warm_ms"])
            <= TARGETS["map_drawn_ms"],
            "lsoa_layer_wire_bytes": 0 < layer.get("wire", 0) <= TARGETS["lsoa_layer_wire_bytes"],
            "resident_ms": bool(residents)
            and figures["resident_view_ms"] <= TARGETS["resident_ms"],
        },
    }
    return figures


def run() -> dict[str, Any]:
    """The web benchmark on its own Neo4j loaded with London and the demo dataset; its figures
    are written to bench/results/web.json."""
    with (
        own_london("nhgraph-bench-web-") as (_database, settings),
        served(settings.neo4j_bolt_port, "E09000003") as url,
    ):
        figures = measure(url)
    write_results("web", figures)
    return figures


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
