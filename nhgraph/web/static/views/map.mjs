// The map: London's LSOAs from the graph (/map/lsoas.geojson), coloured by a layer the person
// chooses, with the outlines and labels of places and neighbourhoods (/map/areas.geojson), and
// a panel for the area selected. MapLibre draws it with WebGL; no tile is fetched unless the
// service is configured with a tile URL.
//
// Other views use it through events: it dispatches `nhgraph:lsoa` (detail: the LSOA's
// properties and whether shift was held) when an area is selected, and listens for
// `nhgraph:highlight` (detail: {lsoas: [...]}) to outline areas, and `nhgraph:refresh` to
// fetch the layers again after an edit (the ETag makes an unchanged layer cost nothing).

import * as maplibregl from "/static/vendor/maplibre/maplibre-gl.mjs";
import { el, formatNumber, go, graphql, key, summaryList, who } from "/static/api.mjs";

// Twelve colours apart enough to tell neighbours apart, each with dark text contrast.
const PALETTE = [
  "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462",
  "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f",
];
const GAP = "#d5281b";
const OVERLAP = "#330072";
const NONE = "#f0f4f5";
// Deprivation deciles, 1 (most deprived) to 10 (least).
const IMD = ["#67001f", "#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#d1e5f0", "#92c5de", "#4393c3", "#2166ac", "#053061"];
const POPULATION_STOPS = [[1000, "#f7fcf5"], [1500, "#c7e9c0"], [2000, "#74c476"], [2500, "#238b45"], [3500, "#00441b"]];

let map = null;
let lsoas = null;
let colourOf = new Map();
let splitHoods = new Set();
let selected = null;
let layer = "neighbourhood";
let highlighted = new Set();
const markers = [];
let hoodNames = new Map();

function status(text) {
  document.getElementById("map-status").textContent = text;
}

async function fetchLayer(name) {
  const response = await fetch(`/map/${name}.geojson`, {
    headers: key() ? { Authorization: `Bearer ${key()}` } : {},
    credentials: "omit",
    cache: "no-cache",
  });
  if (!response.ok) throw new Error(`the map's ${name} layer could not be read (${response.status})`);
  return response.json();
}

// Neighbourhoods side by side get different colours: each takes the first palette colour
// none of the neighbourhoods already coloured in its place has taken, cycling when all have.
function colourNeighbourhoods(collection) {
  const byPlace = new Map();
  for (const feature of collection.features) {
    const hood = feature.properties.neighbourhood;
    if (!hood) continue;
    const place = feature.properties.place;
    if (!byPlace.has(place)) byPlace.set(place, new Set());
    byPlace.get(place).add(hood);
  }
  colourOf = new Map();
  for (const hoods of byPlace.values()) {
    [...hoods].sort().forEach((hood, index) => colourOf.set(hood, index % PALETTE.length));
  }
  for (const feature of collection.features) {
    const p = feature.properties;
    p.colour = p.neighbourhood ? PALETTE[colourOf.get(p.neighbourhood)] : NONE;
    p.split = p.neighbourhoods.some((hood) => splitHoods.has(hood));
  }
}

function fillColour() {
  switch (layer) {
    case "gaps":
      return ["case", ["==", ["get", "neighbourhoodCount"], 0], GAP, [">", ["get", "neighbourhoodCount"], 1], OVERLAP, NONE];
    case "pcn":
      return ["case", ["get", "split"], "#ffb81c", NONE];
    case "imd":
      return ["match", ["coalesce", ["get", "imdDecile"], 0], ...IMD.flatMap((colour, i) => [i + 1, colour]), "#ffffff"];
    case "population":
      return ["interpolate", ["linear"], ["coalesce", ["get", "population"], 0], ...POPULATION_STOPS.flat()];
    default:
      return ["case", [">", ["get", "neighbourhoodCount"], 1], OVERLAP, ["get", "colour"]];
  }
}

function legendItems() {
  switch (layer) {
    case "gaps":
      return [[GAP, "In no neighbourhood (a gap)"], [OVERLAP, "In two or more neighbourhoods (an overlap)"], [NONE, "In exactly one neighbourhood"]];
    case "pcn":
      return [["#ffb81c", "In a neighbourhood that shares a PCN with another neighbourhood"], [NONE, "Not"]];
    case "imd":
      return IMD.map((colour, i) => [colour, `Decile ${i + 1}${i === 0 ? " (most deprived)" : i === 9 ? " (least deprived)" : ""}`]);
    case "population":
      return POPULATION_STOPS.map(([value, colour]) => [colour, `About ${formatNumber(value)} residents`]);
    default:
      return [["#8dd3c7", "Each neighbourhood has its own colour within its place"], [OVERLAP, "In two or more neighbourhoods"], [NONE, "In no neighbourhood"]];
  }
}

function drawLegend() {
  const legend = document.getElementById("map-legend");
  legend.replaceChildren(
    el("h2", { class: "nhsuk-heading-s", text: "Legend" }),
    el("ul", {}, legendItems().map(([colour, text]) => {
      const swatch = el("span", { class: "app-swatch", "aria-hidden": "true" });
      swatch.style.backgroundColor = colour;
      return el("li", {}, swatch, text);
    })),
    el("p", { class: "nhsuk-body-s" }, "Thick lines: places (boroughs). Thin lines: neighbourhoods."),
  );
}

async function loadSplitPcns() {
  splitHoods = new Set();
  const holder = who();
  if (!holder || !holder.mayReadAnalysis) return false;
  const data = await graphql("SplitPcns");
  for (const row of data.overlaps.pcnsSplitAcrossNeighbourhoods) {
    for (const n of row.detail.neighbourhoods || []) splitHoods.add(n.neighbourhood || n);
  }
  return true;
}

function countRendered() {
  const ids = new Set(map.queryRenderedFeatures({ layers: ["lsoa-fill"] }).map((f) => f.properties.id));
  const box = document.getElementById("map");
  box.dataset.renderedLsoas = String(ids.size);
  return ids.size;
}

// Labels are HTML markers (MapLibre's own text needs glyph files from a font server). Place
// names are shown where they fit (declutter); neighbourhood names only from zoom 12, and made
// only then: a few hundred markers repositioned on every frame would slow the first draw.
let areaFeatures = [];
let hoodLabelsShown = false;

function clearMarkers(kind) {
  for (let i = markers.length - 1; i >= 0; i -= 1) {
    if (markers[i].kind === kind) {
      markers[i].marker.remove();
      markers.splice(i, 1);
    }
  }
}

function addMarkers(kind) {
  for (const feature of areaFeatures) {
    const p = feature.properties;
    if (p.kind !== kind) continue;
    const label = el("span", { class: kind === "place" ? "app-place-label" : "app-hood-label", text: p.name, "aria-hidden": "true" });
    markers.push({ kind, size: p.lsoaCount, marker: new maplibregl.Marker({ element: label }).setLngLat([p.labelLongitude, p.labelLatitude]).addTo(map) });
  }
}

// A name that would overlap one already shown is hidden: places before neighbourhoods, the
// larger first. London's 33 boroughs fit side by side; England's 296 places at its own zoom
// would be a heap of text. Every box is read before any is hidden (one layout, not one each).
function declutter() {
  const order = { place: 0, neighbourhood: 1 };
  const sorted = [...markers].sort((a, b) => order[a.kind] - order[b.kind] || b.size - a.size);
  const boxes = sorted.map((m) => m.marker.getElement().getBoundingClientRect());
  const shown = [];
  sorted.forEach((m, i) => {
    const r = boxes[i];
    const clash = shown.some((s) => r.left < s.right && r.right > s.left && r.top < s.bottom && r.bottom > s.top);
    m.marker.getElement().classList.toggle("app-label-hidden", clash);
    if (!clash) shown.push(r);
  });
}

function hoodLabels() {
  const wanted = map.getZoom() >= 12;
  if (wanted === hoodLabelsShown) return;
  hoodLabelsShown = wanted;
  if (wanted) addMarkers("neighbourhood");
  else clearMarkers("neighbourhood");
}

function labels(areas) {
  areaFeatures = areas.features;
  hoodNames = new Map(areaFeatures.filter((f) => f.properties.kind === "neighbourhood").map((f) => [f.properties.id, f.properties.name]));
  clearMarkers("place");
  clearMarkers("neighbourhood");
  hoodLabelsShown = false;
  addMarkers("place");
  hoodLabels();
  declutter();
}

function bounds(collection) {
  let [west, south, east, north] = [180, 90, -180, -90];
  const walk = (c) => {
    if (typeof c[0] === "number") {
      west = Math.min(west, c[0]); east = Math.max(east, c[0]);
      south = Math.min(south, c[1]); north = Math.max(north, c[1]);
    } else c.forEach(walk);
  };
  collection.features.forEach((f) => walk(f.geometry.coordinates));
  return [[west, south], [east, north]];
}

function style(config) {
  const sources = {};
  const layers = [{ id: "background", type: "background", paint: { "background-color": "#ffffff" } }];
  if (config.tileUrl) {
    sources.tiles = { type: "raster", tiles: [config.tileUrl], tileSize: 256, attribution: config.tileAttribution || "" };
    layers.push({ id: "tiles", type: "raster", source: "tiles" });
  }
  return { version: 8, sources, layers };
}

export async function panelFor(properties, point = null) {
  const panel = document.getElementById("map-panel");
  const p = properties;
  const hoods = p.neighbourhoods.length
    ? p.neighbourhoods.map((id) => hoodNames.get(id) || id).join(", ")
    : "none (a gap)";
  const card = el("div", { class: "nhsuk-card" }, el("div", { class: "nhsuk-card__content" },
    el("h2", { class: "nhsuk-card__heading nhsuk-heading-m", text: p.name }),
    summaryList([
      ["LSOA", p.id],
      ["Place", p.placeName],
      ["Neighbourhood", hoods],
      ["Residents", formatNumber(p.population)],
      ["Deprivation decile", p.imdDecile ? `${p.imdDecile} of 10 (1 is most deprived)` : "unknown"],
    ]),
    el("div", { id: "map-panel-serves" }, el("p", { class: "nhsuk-body-s", text: "Looking up who serves it…" })),
    el("a", { class: "nhsuk-link", href: `#/resident?lsoa=${encodeURIComponent(p.id)}`, text: "See the team of teams for this area" }),
    point ? el("p", { class: "nhsuk-body-s" }, el("a", {
      class: "nhsuk-link",
      id: "map-panel-point",
      href: `#/resident?latitude=${point.lat.toFixed(5)}&longitude=${point.lng.toFixed(5)}`,
      text: "Who serves this exact point",
    })) : null,
  ));
  panel.replaceChildren(card);
  // Someone who may edit can choose the area to move it (the edit view's move form).
  if (who() && who().mayEdit) {
    import("/static/views/edit-selection.mjs").then((edit) => {
      if (selected === p.id && card.isConnected) card.append(edit.panelControls(p));
    });
  }
  try {
    const data = await graphql("PanelLsoa", { lsoa: p.id });
    const r = data.resident;
    const serves = document.getElementById("map-panel-serves");
    if (!serves || selected !== p.id) return;
    if (r.__typename === "ResidentNotFound") {
      serves.replaceChildren(el("p", { class: "nhsuk-body-s", text: r.message }));
      return;
    }
    serves.replaceChildren(summaryList([
      ["INTs", r.ints.map((i) => i.name || i.id).join(", ") || "none"],
      ["Teams around its residents", String(r.teams.length)],
      ["Services they may use", String(r.services.length)],
      ["Integrator", r.integrator ? r.integrator.name : "none appointed"],
    ]));
  } catch (error) {
    const serves = document.getElementById("map-panel-serves");
    if (serves) serves.replaceChildren(el("p", { class: "nhsuk-body-s", text: error.message }));
  }
}

function drawSelection() {
  const source = map && map.getSource("selection");
  if (!source) return;
  const features = lsoas.features
    .filter((f) => f.id === selected || highlighted.has(f.id))
    .map((f) => ({ type: "Feature", id: f.id, geometry: f.geometry, properties: { selected: f.id === selected } }));
  source.setData({ type: "FeatureCollection", features });
}

function select(id, additive = false, point = null) {
  const feature = lsoas.features.find((f) => f.id === id);
  if (!feature) return false;
  selected = id;
  drawSelection();
  document.dispatchEvent(new CustomEvent("nhgraph:lsoa", { detail: { properties: feature.properties, additive } }));
  panelFor(feature.properties, point);
  return true;
}

async function refresh() {
  const [fresh, areas] = await Promise.all([fetchLayer("lsoas"), fetchLayer("areas")]);
  await loadSplitPcns().catch(() => false);
  colourNeighbourhoods(fresh);
  lsoas = fresh;
  map.getSource("lsoas").setData(lsoas);
  map.getSource("areas").setData(areas);
  labels(areas);
  map.once("idle", () => countRendered());
}

// London's LSOAs' extent: the map opens on it while the layers are still coming, and then fits
// the layers' own extent (the same, unless the graph holds more than London).
const LONDON = [[-0.5103, 51.28676], [0.334, 51.69187]];

async function build(section) {
  const started = performance.now();
  // The layers are asked for at once, and the map is made while they come.
  const layers = Promise.all([fetchLayer("lsoas"), fetchLayer("areas")]);
  const config = await (await fetch("/app/config.json", { credentials: "omit" })).json();
  const box = document.getElementById("map");
  map = new maplibregl.Map({
    container: box,
    style: style(config),
    bounds: LONDON,
    fitBoundsOptions: { padding: 10 },
    attributionControl: config.tileUrl ? { compact: true } : false,
    dragRotate: false,
    pitchWithRotate: false,
    maxZoom: 17,
    // Nothing fades in (there is no text layer) and London is not repeated round the world.
    fadeDuration: 0,
    renderWorldCopies: false,
  });
  const loaded = new Promise((resolve) => map.on("load", resolve));
  const [collection, areas] = await layers;
  performance.mark("nhgraph:layers-fetched");
  colourNeighbourhoods(collection);
  lsoas = collection;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.touchZoomRotate.disableRotation();
  await loaded;
  map.fitBounds(bounds(collection), { padding: 10, animate: false });
  performance.mark("nhgraph:map-loaded");
  map.addSource("lsoas", { type: "geojson", data: lsoas, promoteId: "id" });
  map.addSource("areas", { type: "geojson", data: areas });
  map.addLayer({ id: "lsoa-fill", type: "fill", source: "lsoas", paint: { "fill-color": fillColour(), "fill-opacity": config.tileUrl ? 0.6 : 1 } });
  map.addLayer({ id: "lsoa-line", type: "line", source: "lsoas", minzoom: 11, paint: { "line-color": "#768692", "line-width": 0.3 } });
  // The selected and outlined areas are a small source of their own: a line layer over all
  // 4,994 LSOAs, drawn at width 0 but for a few, would cost as much as the map itself.
  map.addSource("selection", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({ id: "lsoa-selected", type: "line", source: "selection", paint: { "line-color": "#212b32", "line-width": ["case", ["get", "selected"], 3.5, 2.5] } });
  map.addLayer({ id: "hood-line", type: "line", source: "areas", filter: ["==", ["get", "kind"], "neighbourhood"], paint: { "line-color": "#425563", "line-width": 1 } });
  map.addLayer({ id: "place-line", type: "line", source: "areas", filter: ["==", ["get", "kind"], "place"], paint: { "line-color": "#212b32", "line-width": 2.5 } });
  labels(areas);
  map.on("zoomend", hoodLabels);
  map.on("moveend", declutter);
  performance.mark("nhgraph:layers-added");
  map.on("click", "lsoa-fill", (event) => {
    const feature = event.features && event.features[0];
    if (feature) select(feature.properties.id, event.originalEvent.shiftKey, event.lngLat);
  });
  map.on("mouseenter", "lsoa-fill", () => { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", "lsoa-fill", () => { map.getCanvas().style.cursor = ""; });
  await new Promise((resolve) => map.once("idle", resolve));
  // Drawn: MapLibre is idle with every tile of the view rendered (the count below checks it).
  performance.mark("nhgraph:map-drawn");
  // For a key that may read the analysis, the split PCNs are asked for once the map is drawn
  // (a London-wide question: the map does not wait for it).
  loadSplitPcns()
    .then((loaded) => {
      if (!loaded) return;
      colourNeighbourhoods(lsoas);
      map.getSource("lsoas").setData(lsoas);
    })
    .catch(() => false);
  const rendered = countRendered();
  const drawn = performance.now() - started;
  box.dataset.state = "drawn";
  box.dataset.drawnMs = String(Math.round(drawn));
  const total = lsoas.features.length;
  // At England's zoom most LSOAs are under a pixel: drawn, but too small to be rendered.
  status(rendered < total
    ? `${formatNumber(total)} areas, ${formatNumber(rendered)} large enough to see at this zoom: zoom in for the rest.`
    : `${formatNumber(rendered)} areas drawn of ${formatNumber(total)}.`);
  drawLegend();

  document.getElementById("map-layer-form").addEventListener("change", async (event) => {
    layer = event.target.value;
    if (layer === "pcn" && !(await loadSplitPcns().catch(() => false))) {
      status("The split PCNs are for integrators, governance teams and analysts: enter a key to see them.");
    } else if (layer === "pcn") {
      colourNeighbourhoods(lsoas);
      map.getSource("lsoas").setData(lsoas);
      status(`${splitHoods.size} neighbourhoods share a PCN with another.`);
    }
    map.setPaintProperty("lsoa-fill", "fill-color", fillColour());
    drawLegend();
  });
  document.getElementById("map-find-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const code = document.getElementById("map-find-lsoa").value.trim().toUpperCase();
    if (!select(code)) status(`No LSOA ${code} is on the map.`);
    else zoomTo([code]);
  });
  document.addEventListener("nhgraph:highlight", (event) => {
    highlighted = new Set(event.detail.lsoas || []);
    drawSelection();
  });
}

export function zoomTo(codes) {
  const wanted = new Set(codes);
  const features = lsoas.features.filter((f) => wanted.has(f.id));
  if (features.length) map.fitBounds(bounds({ features }), { padding: 60, maxZoom: 14 });
}

let building = null;
// The layers being fetched again after an edit: the map is shown once they are drawn.
let refreshing = null;

// An edit asks for the layers again. The listener is the module's, not the map's: an edit made
// while the map is still being built (its layers were asked for before the edit) refreshes it
// once it is built; a map not yet begun reads the layers afresh when it is.
document.addEventListener("nhgraph:refresh", () => {
  if (!building) return;
  refreshing = building.then(() => refresh()).catch((error) => status(error.message));
});

export async function show(section, params) {
  if (!building) building = build(section);
  await building;
  if (refreshing) await refreshing;
  map.resize();
  if (params.lsoa) {
    const codes = params.lsoa.split(",");
    if (select(codes[0])) zoomTo(codes);
    document.dispatchEvent(new CustomEvent("nhgraph:highlight", { detail: { lsoas: codes } }));
  }
  if (params.layer && ["neighbourhood", "gaps", "pcn", "imd", "population"].includes(params.layer)) {
    const radio = document.getElementById(`layer-${params.layer}`);
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
  }
}

export function currentMap() {
  return map;
}

export { go };
