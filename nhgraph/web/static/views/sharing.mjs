// Data-sharing coverage, for governance: for an INT or a place, whether each pair of partners
// may share data for each purpose and by which agreement; the agreements ending within 90
// days; and the partners of INTs named in no agreement in force.
//
// The API is the gate: agreements are for the governance and admin roles, and the view asks
// whoever holds the tab and shows a refusal in the API's words, with nothing of the data.
// Route: #/sharing?int=ID or #/sharing?place=E09000030.

import { ApiError, el, formatNumber, go, graphql, selectGroup } from "/static/api.mjs";
import { refuse, table, words } from "/static/views/findings.mjs";

const PURPOSES = ["DIRECT_CARE", "POPULATION_HEALTH_MANAGEMENT", "PLANNING", "RESEARCH", "SAFEGUARDING"];
const EXPIRY_DAYS = 90;
const NEEDS = "governance or admin";

// The legal grounds' codes (nhgraph.schema.sharing: UK GDPR Articles 6(1) and 9(2)) in words.
const GROUNDS = {
  a6_1_a: "Article 6(1)(a) consent",
  a6_1_b: "Article 6(1)(b) contract",
  a6_1_c: "Article 6(1)(c) legal obligation",
  a6_1_d: "Article 6(1)(d) vital interests",
  a6_1_e: "Article 6(1)(e) public task",
  a6_1_f: "Article 6(1)(f) legitimate interests",
  a9_2_a: "Article 9(2)(a) explicit consent",
  a9_2_b: "Article 9(2)(b) employment and social protection",
  a9_2_c: "Article 9(2)(c) vital interests",
  a9_2_g: "Article 9(2)(g) substantial public interest",
  a9_2_h: "Article 9(2)(h) health or social care",
  a9_2_i: "Article 9(2)(i) public health",
  a9_2_j: "Article 9(2)(j) archiving, research and statistics",
};

export function grounds(code) {
  if (!code) return "";
  return GROUNDS[String(code).toLowerCase()] || plain(code);
}

// Plain words for the API's codes: DIRECT_CARE, public_task, health_or_social_care.
export function plain(code) {
  if (!code) return "";
  const text = String(code).replace(/_/g, " ").toLowerCase();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const KINDS = { vcfse: "VCFSE", nhs_trust: "NHS trust", gp_practice: "GP practice", pcn: "PCN", icb: "ICB" };

function kind(code) {
  return KINDS[code] || plain(code);
}

function tag(colour, text) {
  return el("strong", { class: `nhsuk-tag nhsuk-tag--${colour}`, text });
}

// The coverage as a matrix: one row per pair of partners (those missing most purposes first,
// then in the API's order, which puts uncovered pairs first), one column
// per purpose asked; each cell the agreement that covers it, or Missing.
export function matrix(pairs) {
  const purposes = PURPOSES.filter((p) => pairs.some((pair) => pair.purpose === p));
  const rows = new Map();
  for (const pair of pairs) {
    const id = `${pair.partnerA}\u0000${pair.partnerB}`;
    if (!rows.has(id)) {
      rows.set(id, { a: pair.partnerAName || pair.partnerA, b: pair.partnerBName || pair.partnerB, ids: [pair.partnerA, pair.partnerB], cells: new Map(), missing: 0 });
    }
    const row = rows.get(id);
    row.cells.set(pair.purpose, pair);
    if (!pair.covered) row.missing += 1;
  }
  const ordered = [...rows.values()].map((row, index) => ({ ...row, index }))
    .sort((x, y) => y.missing - x.missing || x.index - y.index);
  return { purposes, rows: ordered };
}

function cell(pair) {
  if (!pair) return el("span", { class: "nhsuk-body-s", text: "Not asked" });
  if (!pair.covered) return tag("red", "Missing");
  const legal = [grounds(pair.lawfulBasis), grounds(pair.article9Condition)].filter(Boolean).join("; ");
  return el("span", {}, tag("green", "Covered"), ` by ${pair.agreement}${legal ? ` (${legal})` : ""}`);
}

function ui(section) {
  let root = section.querySelector("#sharing-root");
  if (root) return root;
  root = el("div", { id: "sharing-root" },
    el("p", { class: "nhsuk-lede-text", text: "Whether the partners of an INT, or of every INT in a place, have a data-sharing agreement in force for each purpose; the agreements ending soon; and the partners named in no agreement." }),
    el("form", { id: "sharing-form", class: "app-filter-form", novalidate: true },
      selectGroup({ id: "sharing-place", name: "place", label: "Place",
        options: [el("option", { value: "", text: "Choose a place" })] }),
      selectGroup({ id: "sharing-int", name: "int", label: "INT",
        hint: "Check one INT, or every INT of the place.",
        options: [el("option", { value: "", text: "Every INT in the place" })] }),
      el("div", { class: "app-filter-actions" },
        el("button", { class: "nhsuk-button", type: "submit", id: "sharing-submit", text: "Show coverage" }))),
    el("div", { id: "sharing-results", "aria-live": "polite" }),
  );
  section.append(root);
  const placeSelect = root.querySelector("#sharing-place");
  placeSelect.addEventListener("change", () => fillInts(root, placeSelect.value, "").catch(() => {}));
  root.querySelector("#sharing-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const place = placeSelect.value;
    const int = root.querySelector("#sharing-int").value;
    if (int) go("sharing", { int });
    else if (place) go("sharing", { place });
    else go("sharing");
  });
  return root;
}

async function fillInts(root, place, chosen) {
  const select = root.querySelector("#sharing-int");
  select.replaceChildren(el("option", { value: "", text: "Every INT in the place" }));
  if (!place) return;
  const data = await graphql("PlaceInts", { place });
  for (const int of data.ints.nodes) select.append(el("option", { value: int.id, text: int.name }));
  select.value = chosen || "";
}

function coverageSection(pairs, where) {
  const { purposes, rows } = matrix(pairs);
  const missingPairs = rows.filter((row) => row.missing > 0).length;
  const missingCells = pairs.filter((pair) => !pair.covered).length;
  const parts = [
    el("h2", { id: "sharing-coverage-title", text: `Coverage for ${where}` }),
    el("p", { class: "nhsuk-body app-count", id: "sharing-missing", "data-missing-pairs": String(missingPairs) },
      el("strong", { text: `${formatNumber(missingPairs)} of ${formatNumber(rows.length)} partner pairs` }),
      ` miss an agreement for at least one purpose (${formatNumber(missingCells)} of ${formatNumber(pairs.length)} pairs and purposes checked are missing).`),
    el("ul", { class: "nhsuk-list nhsuk-list--bullet", id: "sharing-missing-by-purpose" },
      purposes.map((purpose) => {
        const missing = pairs.filter((pair) => pair.purpose === purpose && !pair.covered).length;
        return el("li", { "data-purpose": purpose, "data-missing": String(missing) },
          `${plain(purpose)}: ${formatNumber(missing)} of ${formatNumber(rows.length)} pairs missing`);
      })),
  ];
  if (rows.length) {
    parts.push(table(
      `Partner pairs of ${where} by purpose: the agreement that covers each, or Missing (uncovered pairs first)`,
      [{ label: "Partners" }, ...purposes.map((p) => ({ label: plain(p) }))],
      rows.map((row) => ({
        attributes: { "data-pair": row.ids.join(" "), "data-missing": String(row.missing) },
        cells: [`${row.a} and ${row.b}`, ...purposes.map((p) => cell(row.cells.get(p)))],
      })),
      { id: "sharing-matrix" },
    ));
  } else {
    parts.push(el("p", { class: "nhsuk-body", text: "No partner pairs: the INTs have fewer than two partners." }));
  }
  return el("section", { "aria-labelledby": "sharing-coverage-title", class: "app-question" }, parts);
}

function expiringSection(findings, names) {
  const parts = [
    el("h2", { id: "sharing-expiring-title", text: `Agreements ending in the next ${EXPIRY_DAYS} days` }),
    el("p", { class: "nhsuk-body", text: "Agreements in force that end within 90 days of today, soonest first, across London." }),
    el("p", { class: "nhsuk-body app-count", "data-count": String(findings.length) },
      el("strong", { text: findings.length ? `${findings.length} ending` : "None ending" }), "."),
  ];
  if (findings.length) {
    parts.push(table(
      `Data-sharing agreements ending within ${EXPIRY_DAYS} days`,
      [{ label: "Agreement" }, { label: "Ends" }, { label: "Days left", numeric: true }, { label: "Review date" }, { label: "Parties", numeric: true }, { label: "Places" }],
      findings.map((f) => {
        const d = f.detail || {};
        return { attributes: { "data-subject": f.subject }, cells: [
          el("span", {}, f.name || f.subject, f.name ? el("span", { class: "app-code", text: ` ${f.subject}` }) : null),
          words(d.valid_to), words(d.days_left), words(d.review_date) || "none",
          words(Array.isArray(d.parties) ? d.parties.length : d.parties),
          (Array.isArray(d.places) ? d.places : []).map((p) => names.get(p) || p).join(", "),
        ] };
      }),
      { id: "sharing-expiring" },
    ));
  }
  return el("section", { "aria-labelledby": "sharing-expiring-title", class: "app-question" }, parts);
}

function outsideSection(findings, where, names) {
  const parts = [
    el("h2", { id: "sharing-outside-title", text: `Partners outside every agreement in ${where}` }),
    el("p", { class: "nhsuk-body", text: "Organisations providing teams or aligned specialists to INTs today that are party to no agreement in force." }),
    el("p", { class: "nhsuk-body app-count", "data-count": String(findings.length) },
      el("strong", { text: findings.length ? `${findings.length} found` : "None found" }), "."),
  ];
  if (findings.length) {
    parts.push(table(
      `Partners of INTs in ${where} named in no agreement in force`,
      [{ label: "Organisation" }, { label: "Kind" }, { label: "Place" }, { label: "INTs" }],
      findings.map((f) => {
        const d = f.detail || {};
        return { attributes: { "data-subject": f.subject }, cells: [
          el("span", {}, f.name || f.subject, f.name ? el("span", { class: "app-code", text: ` ${f.subject}` }) : null),
          kind(d.kind), names.get(f.place) || f.place || "", words(d.ints),
        ] };
      }),
      { id: "sharing-outside" },
    ));
  }
  return el("section", { "aria-labelledby": "sharing-outside-title", class: "app-question" }, parts);
}

let generation = 0;

export async function show(section, params) {
  const mine = ++generation;
  const root = ui(section);
  const results = root.querySelector("#sharing-results");
  const form = root.querySelector("#sharing-form");
  const placeSelect = root.querySelector("#sharing-place");
  results.dataset.state = "loading";
  const int = params.int || null;
  let place = int ? null : params.place || null;
  let intName = null;
  let data;
  let places;
  try {
    // The agreements are asked first, by whoever holds the tab: the API refuses them or not.
    const sharing = graphql("Sharing", { days: EXPIRY_DAYS, place, int, ask: Boolean(int || place) });
    const listed = graphql("Places");
    const about = int ? graphql("IntPlace", { id: int }) : null;
    [data, { places: { nodes: places } }] = await Promise.all([sharing, listed]);
    if (about) {
      const found = (await about).int;
      if (!found) throw new ApiError(`No INT has the id "${int}": choose one from the list.`, "BAD_ROUTE");
      intName = found.name;
      place = found.place ? found.place.id : null;
    }
    if (place && !places.some((p) => p.id === place)) {
      throw new ApiError(`No London place has the code "${place}": choose a place from the list.`, "BAD_ROUTE");
    }
    const outside = await graphql("Outside", { place });
    data.partnersOutsideAgreements = outside.partnersOutsideAgreements;
  } catch (error) {
    if (mine !== generation) return;
    if (error.code === "FORBIDDEN") {
      form.hidden = true;
      refuse(results, error, NEEDS);
      results.dataset.state = "refused";
      return;
    }
    results.replaceChildren();
    results.dataset.state = "failed";
    throw error;
  }
  if (mine !== generation) return;
  form.hidden = false;
  if (placeSelect.options.length === 1) {
    for (const p of places) placeSelect.append(el("option", { value: p.id, text: p.name }));
  }
  placeSelect.value = place || "";
  await fillInts(root, place, int);
  if (mine !== generation) return;
  const names = new Map(places.map((p) => [p.id, p.name]));
  const placeName = place ? names.get(place) : null;
  const where = intName ? `${intName} (${placeName})` : placeName;
  results.replaceChildren(
    data.dataSharingCoverage
      ? coverageSection(data.dataSharingCoverage, where)
      : el("p", { class: "nhsuk-body", id: "sharing-choose", text: "Choose a place, or an INT in it, to see whether its partners may share data for each purpose." }),
    expiringSection(data.agreementsExpiring, names),
    outsideSection(data.partnersOutsideAgreements, placeName || "London", names),
  );
  results.dataset.int = int || "";
  results.dataset.place = place || "";
  results.dataset.state = "ready";
}
