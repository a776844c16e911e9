// Gaps and overlaps, for analysts: every named gap and overlap question the API has, one table
// each, ranked by residents or by deprivation, London-wide or in one place, each row linked to
// the map and each table downloadable as CSV.
//
// The API is the gate: `gaps` and `overlaps` are asked whoever holds the tab, and a refusal is
// shown in the API's words. Route: #/gaps?place=E09000007&rank=population|deprivation.

import { ApiError, el, formatNumber, go, graphql, selectGroup } from "/static/api.mjs";
import { download, refuse, table, toCsv, words } from "/static/views/findings.mjs";

// The questions, in the API's order (its `Gaps` and `Overlaps` fields), with plain-words
// titles and descriptions from the questions' purposes; `areas` says what of a finding the map
// should show: its LSOAs, or the LSOAs of the neighbourhoods, INTs or place it names.
export const QUESTIONS = [
  { group: "gaps", field: "lsoasInNoNeighbourhood", title: "Areas in no neighbourhood",
    description: "Small areas (LSOAs) that no neighbourhood's footprint covers, so their residents have no INT.",
    areas: (f) => ({ lsoas: [f.subject] }) },
  { group: "gaps", field: "neighbourhoodsWithoutInt", title: "Neighbourhoods with no INT",
    description: "Neighbourhoods that no integrated neighbourhood team (INT) serves.",
    areas: (f) => ({ neighbourhoods: [f.subject] }) },
  { group: "gaps", field: "intsMissingCoreOffer", title: "INTs missing part of the core offer",
    description: "INTs whose consistent tier lacks a function of the core offer today (the rules say which functions).",
    details: (d) => [["Missing", (Array.isArray(d.missing) ? d.missing : []).map((f) => String(f).replace(/_/g, " "))]],
    areas: (f) => ({ ints: [f.subject] }) },
  { group: "gaps", field: "intsWithoutSpecialty", title: "INTs with no consultant geriatrician",
    description: "INTs with no consultant geriatrician aligned to them today.",
    areas: (f) => ({ ints: [f.subject] }) },
  { group: "gaps", field: "priorityCohortsWithoutService", title: "Priority cohorts with no service",
    description: "Cohorts a neighbourhood prioritises for which no active service is named for the neighbourhood, its areas or its place.",
    details: (d) => [["Cohort", d.cohort_label || d.cohort]],
    areas: (f) => ({ neighbourhoods: [f.subject] }) },
  { group: "gaps", field: "placesWithoutIntegrator", title: "Places with no integrator",
    description: "Places (boroughs) with no integrator appointed today.",
    areas: (f) => ({ places: [f.subject] }) },
  { group: "overlaps", field: "lsoasInSeveralNeighbourhoods", title: "Areas in more than one neighbourhood",
    description: "Small areas (LSOAs) that more than one neighbourhood's footprint covers.",
    details: (d) => [["Neighbourhoods", d.neighbourhoods]],
    areas: (f) => ({ lsoas: [f.subject] }) },
  { group: "overlaps", field: "neighbourhoodsWithSeveralInts", title: "Neighbourhoods served by more than one INT",
    description: "Neighbourhoods that more than one INT serves, with the INTs.",
    details: (d) => [["INTs", d.ints]],
    areas: (f) => ({ neighbourhoods: [f.subject] }) },
  { group: "overlaps", field: "pcnsSplitAcrossNeighbourhoods", title: "PCNs split across neighbourhoods",
    description: "Primary care networks (PCNs) whose member practices today sit in more than one neighbourhood, each practice placed by its postcode.",
    details: (d) => [["Neighbourhoods", d.neighbourhoods]],
    areas: (f) => ({ neighbourhoods: ids(f.detail.neighbourhoods, "neighbourhood") }) },
  { group: "overlaps", field: "neighbourhoodsSplitAcrossPcns", title: "Neighbourhoods split across PCNs",
    description: "Neighbourhoods whose practices today belong to more than one PCN, each practice placed by its postcode.",
    details: (d) => [["PCNs", d.pcns]],
    areas: (f) => ({ neighbourhoods: [f.subject] }) },
  { group: "overlaps", field: "pcnsSplitAcrossInts", title: "PCNs providing teams to more than one INT",
    description: "PCNs that provide teams to more than one INT today.",
    details: (d) => [["INTs", d.ints]],
    areas: (f) => ({ ints: ids(f.detail.ints, "int") }) },
  { group: "overlaps", field: "functionsDuplicatedInConsistentTier", title: "Functions duplicated in an INT's consistent tier",
    description: "One function supplied by more than one team in an INT's consistent tier today.",
    details: (d) => [["Function", d.function], ["Teams", d.teams], ["Providers", d.providers]],
    areas: (f) => ({ ints: [f.subject] }) },
  { group: "overlaps", field: "servicesOverlapping", title: "Services overlapping",
    description: "Active services of one function, from different providers, covering the same areas.",
    details: (d) => [["Services", d.services], ["Providers", d.providers], ["Areas shared", Array.isArray(d.lsoas) ? d.lsoas.length : d.lsoas]],
    areas: (f) => ({ lsoas: Array.isArray(f.detail.lsoas) ? f.detail.lsoas : [] }) },
];

const GROUPS = [
  ["gaps", "Gaps", "What is missing, and for how many residents."],
  ["overlaps", "Overlaps", "Where more than one answer claims the same residents."],
];
const RANKS = {
  population: "Population (most residents first)",
  deprivation: "Deprivation (most deprived decile first)",
};
// The ids one request asks the areas of: the slots of the FindingNeighbourhoodAreas,
// FindingIntAreas and FindingPlaceAreas operations (20, the aliases the API allows).
const BATCH = 20;
const AREAS = { neighbourhood: "FindingNeighbourhoodAreas", int: "FindingIntAreas", place: "FindingPlaceAreas" };

function ids(list, field) {
  return (Array.isArray(list) ? list : []).map((item) => (item && typeof item === "object" ? item[field] || item.id : item)).filter(Boolean);
}

// One request a question, a few at a time: each is a search of the whole graph (about 85 ms
// London-wide on a quiet server); asked together in one request, or all at once, they share
// the server's cores and a busy server can pass the API's time limit on a request.
const AT_ONCE = 3;

async function inTurn(tasks) {
  const results = new Array(tasks.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < tasks.length && !failed) {
      const index = next++;
      try {
        results[index] = await tasks[index]();
      } catch (error) {
        failed = true; // one refusal or failure is the answer: ask no more
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, tasks.length) }, worker));
  return results;
}

// The operation of a question: FindingLsoasInNoNeighbourhood for lsoasInNoNeighbourhood.
function findingsOperation(question) {
  return `Finding${question.field[0].toUpperCase()}${question.field.slice(1)}`;
}

async function ask(place) {
  const answers = await inTurn(QUESTIONS.map((question) => () => graphql(findingsOperation(question), { place })));
  const data = { gaps: {}, overlaps: {} };
  QUESTIONS.forEach((question, index) => {
    data[question.group][question.field] = answers[index][question.group][question.field];
  });
  return data;
}

// Rows ranked: by residents, most first; or by the most deprived decile, 1 first, then by
// residents. Rows with no figure go last; ties by subject, so the order is stable.
export function rank(findings, by) {
  const last = (value, fallback) => (value === null || value === undefined ? fallback : value);
  return [...findings].sort((a, b) => {
    if (by === "deprivation") {
      const decile = last(a.mostDeprivedDecile, 99) - last(b.mostDeprivedDecile, 99);
      if (decile) return decile;
    }
    const people = last(b.population, -1) - last(a.population, -1);
    if (people) return people;
    return a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0;
  });
}

// A finding's CSV columns: the finding's own, then its detail's scalar fields (a list of plain
// values joined with "; "; lists of records are left out).
const OWN = ["question", "place", "subject", "name", "population", "most_deprived_decile"];

function scalar(value) {
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) return true;
  return Array.isArray(value) && value.every((v) => v === null || ["string", "number", "boolean"].includes(typeof v));
}

export function csvFor(findings) {
  const extra = [];
  for (const f of findings) {
    for (const [name, value] of Object.entries(f.detail || {})) {
      if (!OWN.includes(name) && !extra.includes(name) && scalar(value)) extra.push(name);
    }
  }
  const rows = findings.map((f) => [
    f.question, f.place, f.subject, f.name, f.population, f.mostDeprivedDecile,
    ...extra.map((name) => {
      const value = (f.detail || {})[name];
      return scalar(value) ? value : null;
    }),
  ]);
  return toCsv([...OWN, ...extra], rows);
}

// The LSOAs of the neighbourhoods, INTs and places the findings name, at most BATCH of one
// kind a request (slot k of its operation asks for $vk when $onk), each id once:
// {"neighbourhood:ID": [codes], ...}.
async function areasOf(wanted, stillWanted) {
  const found = new Map();
  for (const [kind, operation] of Object.entries(AREAS)) {
    const asks = [...wanted].filter((token) => token.startsWith(`${kind}:`));
    for (let start = 0; start < asks.length; start += BATCH) {
      if (!stillWanted()) return found;
      const batch = asks.slice(start, start + BATCH);
      const variables = {};
      batch.forEach((token, index) => {
        variables[`v${index}`] = token.slice(kind.length + 1);
        variables[`on${index}`] = true;
      });
      const data = await graphql(operation, variables);
      batch.forEach((token, index) => {
        const node = data[`a${index}`];
        if (!node) found.set(token, []);
        else if (node.lsoas) found.set(token, node.lsoas);
        else found.set(token, node.neighbourhoods.flatMap((n) => n.lsoas));
      });
    }
  }
  return found;
}

function tokens(areas) {
  return [
    ...(areas.neighbourhoods || []).map((id) => `neighbourhood:${id}`),
    ...(areas.ints || []).map((id) => `int:${id}`),
    ...(areas.places || []).map((id) => `place:${id}`),
  ];
}

function mapLink(codes, label) {
  const unique = [...new Set(codes)];
  if (!unique.length) return el("span", { class: "nhsuk-body-s", text: "No areas to show" });
  return el("a", { class: "nhsuk-link app-map-link", href: `#/map?lsoa=${unique.map(encodeURIComponent).join(",")}` },
    "Show on map", el("span", { class: "nhsuk-u-visually-hidden", text: `: ${label}` }));
}

let state = null; // {place, data, places, generation}
let generation = 0;

function ui(section) {
  let root = section.querySelector("#gaps-root");
  if (root) return root;
  root = el("div", { id: "gaps-root" },
    el("p", { class: "nhsuk-lede-text", text: "Every named question of gaps and overlaps in the team of teams, with the residents each finding affects. Rank the rows, choose a place, follow a row to the map, or download the tables." }),
    el("form", { id: "gaps-form", class: "app-filter-form", novalidate: true },
      selectGroup({ id: "gaps-place", name: "place", label: "Place",
        options: [el("option", { value: "", text: "All of London" })] }),
      selectGroup({ id: "gaps-rank", name: "rank", label: "Rank by",
        options: Object.entries(RANKS).map(([value, text]) => el("option", { value, text })) }),
      el("div", { class: "app-filter-actions" },
        el("button", { class: "nhsuk-button", type: "submit", id: "gaps-submit", text: "Show findings" }))),
    el("div", { id: "gaps-summary", class: "app-gaps-summary", role: "status", "aria-live": "polite" }),
    el("div", { id: "gaps-results" }),
  );
  section.append(root);
  root.querySelector("#gaps-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const place = root.querySelector("#gaps-place").value;
    const by = root.querySelector("#gaps-rank").value;
    go("gaps", { ...(place ? { place } : {}), rank: by });
  });
  return root;
}

function fillPlaces(root, places, chosen) {
  const select = root.querySelector("#gaps-place");
  if (select.options.length === 1) {
    for (const p of places) select.append(el("option", { value: p.id, text: p.name }));
  }
  select.value = chosen || "";
}

function placeNames(finding, names) {
  if (finding.place) return names.get(finding.place) || finding.place;
  const many = finding.detail && finding.detail.places;
  return Array.isArray(many) ? many.map((p) => names.get(p) || p).join(", ") : "";
}

function render(root, data, places, place, by) {
  const names = new Map(places.map((p) => [p.id, p.name]));
  const where = place ? names.get(place) : "London";
  const results = root.querySelector("#gaps-results");
  const every = [];
  const waiting = []; // [tokens, cell, label]
  const direct = []; // [codes, cell, label]
  const blocks = GROUPS.map(([group, heading, lede]) => {
    const sections = QUESTIONS.filter((q) => q.group === group).map((question) => {
      const found = rank(data[group][question.field], by);
      every.push(...found);
      const count = found.length === 0 ? "None found" : found.length === 1 ? "1 found" : `${found.length} found`;
      const parts = [
        el("h3", { id: `gaps-${question.field}-title`, text: question.title }),
        el("p", { class: "nhsuk-body", text: question.description }),
        el("p", { class: "nhsuk-body app-count", "data-count": String(found.length) }, el("strong", { text: count }), ` in ${where}.`),
      ];
      if (found.length) {
        const detailLabels = question.details ? question.details({}).map(([label]) => label) : [];
        const columns = [
          { label: "Subject" }, { label: "Place" }, { label: "Residents", numeric: true },
          { label: "Most deprived decile", numeric: true },
          ...detailLabels.map((label) => ({ label })), { label: "Map" },
        ];
        const rows = found.map((f) => {
          const label = f.name ? `${f.name} (${f.subject})` : f.subject;
          const cell = el("span", { class: "nhsuk-body-s app-map-pending", text: "Finding its areas…" });
          const areas = question.areas(f);
          if (areas.lsoas) direct.push([areas.lsoas, cell, label]);
          else waiting.push([tokens(areas), cell, label]);
          return { attributes: { "data-subject": f.subject }, cells: [
            el("span", {}, f.name || f.subject, f.name ? el("span", { class: "app-code", text: ` ${f.subject}` }) : null),
            placeNames(f, names),
            formatNumber(f.population),
            f.mostDeprivedDecile === null || f.mostDeprivedDecile === undefined ? "unknown" : String(f.mostDeprivedDecile),
            ...(question.details ? question.details(f.detail || {}).map(([, value]) => words(value)) : []),
            cell,
          ] };
        });
        parts.push(
          table(`${question.title} in ${where}, ranked by ${by === "deprivation" ? "deprivation (most deprived decile first)" : "population (most residents first)"}`, columns, rows, { "data-question": question.field }),
          el("button", {
            class: "nhsuk-button nhsuk-button--secondary nhsuk-button--small app-csv",
            type: "button",
            "data-csv": question.field,
            onclick: () => download(`nhgraph-${question.field}-${place || "london"}.csv`, csvFor(found)),
          }, "Download CSV", el("span", { class: "nhsuk-u-visually-hidden", text: ` of ${question.title.toLowerCase()}` })),
        );
      }
      return el("section", { class: "app-question", "data-question": question.field, "data-rows": String(found.length), "aria-labelledby": `gaps-${question.field}-title` }, parts);
    });
    return el("div", { class: "app-question-group" },
      el("h2", { text: heading }), el("p", { class: "nhsuk-body", text: lede }), sections);
  });
  const total = every.length;
  root.querySelector("#gaps-summary").replaceChildren(
    el("p", { class: "nhsuk-body" },
      el("strong", { text: `${formatNumber(total)} findings` }),
      ` from ${QUESTIONS.length} questions in ${where}, ranked by ${by === "deprivation" ? "deprivation" : "population"}.`),
    total ? el("button", {
      class: "nhsuk-button nhsuk-button--secondary", type: "button", id: "gaps-csv-all",
      onclick: () => download(`nhgraph-gaps-and-overlaps-${place || "london"}.csv`, csvFor(every)),
    }, "Download CSV of every table") : null,
  );
  results.replaceChildren(...blocks);
  results.dataset.place = place || "";
  results.dataset.rank = by;
  results.dataset.state = "ready";
  for (const [codes, cell, label] of direct) cell.replaceWith(mapLink(codes, label));
  return waiting;
}

async function link(results, waiting, mine) {
  const wanted = new Set(waiting.flatMap(([asked]) => asked));
  results.dataset.links = "pending";
  try {
    const found = await areasOf(wanted, () => mine === generation);
    if (mine !== generation) return;
    for (const [asked, cell, label] of waiting) {
      cell.replaceWith(mapLink(asked.flatMap((token) => found.get(token) || []), label));
    }
    results.dataset.links = "ready";
  } catch (error) {
    if (mine !== generation) return;
    for (const [, cell] of waiting) cell.textContent = "The map link could not be found";
    results.dataset.links = "failed";
    throw error;
  }
}

export async function show(section, params) {
  const mine = ++generation;
  const root = ui(section);
  const results = root.querySelector("#gaps-results");
  const form = root.querySelector("#gaps-form");
  const by = params.rank || "population";
  if (!(by in RANKS)) {
    results.replaceChildren();
    throw new ApiError(`Rows can be ranked by population or by deprivation, not "${by}".`, "BAD_ROUTE");
  }
  const place = params.place || null;
  root.querySelector("#gaps-rank").value = by;
  results.dataset.state = "loading";
  results.dataset.links = "";
  let places;
  let data;
  try {
    if (state && state.place === place) {
      ({ places, data } = state);
    } else {
      const [listed, asked] = await Promise.all([
        graphql("Places"),
        ask(place),
      ]);
      places = listed.places.nodes;
      data = asked;
    }
  } catch (error) {
    if (mine !== generation) return;
    state = null;
    root.querySelector("#gaps-summary").replaceChildren();
    form.hidden = error.code === "FORBIDDEN";
    if (error.code === "FORBIDDEN") {
      refuse(results, error, "integrator, governance or admin");
      results.dataset.state = "refused";
      return;
    }
    results.replaceChildren();
    results.dataset.state = "failed";
    throw error;
  }
  if (mine !== generation) return;
  form.hidden = false;
  fillPlaces(root, places, place);
  if (place && !places.some((p) => p.id === place)) {
    state = null;
    results.replaceChildren();
    root.querySelector("#gaps-summary").replaceChildren();
    results.dataset.state = "failed";
    throw new ApiError(`No London place has the code "${place}": choose a place from the list.`, "BAD_ROUTE");
  }
  state = { place, data, places };
  const waiting = render(root, data, places, place, by);
  await link(results, waiting, mine);
}
