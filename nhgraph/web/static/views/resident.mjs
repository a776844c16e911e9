// Who serves a resident: for a gateway or a signposting desk, a postcode, an LSOA code or a
// point on the map gives the team of teams around the resident (seed 03): the resident at the
// centre, then the hyper-local, consistent, tailored and aligned specialist teams, drawn as
// rings, and the same told as text below, with the services the resident may use, the place's
// integrator and the 24/7 gateway. Everything comes from GraphQL `resident(...)`.
//
// Routes: #/resident?postcode=N20%200DH, ?lsoa=E01000001, ?latitude=51.5&longitude=-0.1, each
// with &age= and &cohort= if wanted. Submitting the form changes the route, so back and forward
// and links work; opening a route with a question answers it at once.
//
// For the benchmark the section says where it is: data-state is "asking" while waiting, then
// "answered", "not-found" or "error"; data-answered-ms is the time from the submit (or the
// route being opened) to the rings drawn, and data-api-ms the part of it until the API's answer
// came.

import { ApiError, el, go, graphql, summaryList } from "/static/api.mjs";

const SVG = "http://www.w3.org/2000/svg";
const LSOA_CODE = /^E01\d{6}$/i;

// Innermost first, in the words of seed 03.
const TIERS = [
  {
    tier: "HYPER_LOCAL",
    label: "Hyper-local",
    heading: "Hyper-local teams",
    about: "Often the first point of contact, with deep knowledge of the community: general practice, community pharmacy, local voluntary and community groups.",
  },
  {
    tier: "CONSISTENT",
    label: "Consistent",
    heading: "Consistent teams",
    about: "The same in every INT of the place: health and care staff who meet most of the local need and give continuity of care.",
  },
  {
    tier: "TAILORED",
    label: "Tailored",
    heading: "Tailored teams",
    about: "Chosen for this INT's population: a presence and a role specific to the neighbourhood.",
  },
  {
    tier: "ALIGNED",
    label: "Aligned specialist",
    heading: "Aligned specialist teams",
    about: "Specialist input that reaches in to the INT for case reviews and care planning, without sitting in it all the time.",
  },
];

// The question asked: nhgraph/web/operations/who_serves.graphql (WhoServes).

// The cohorts' names in the words of nhgraph's cohort scheme (nhgraph/ontology/concepts.ttl,
// skos:prefLabel); which cohorts are offered comes from the API (the cohorts its services are
// for), and a code not named here is shown in plain words made from the code.
const COHORT_NAMES = {
  babies_children_young_people: "Babies, children and young people",
  end_of_life: "End of life",
  families: "Families",
  frailty: "Frailty",
  multiple_long_term_conditions: "Multiple long-term conditions",
  older_people: "Older people",
  severe_mental_illness: "Severe mental illness",
  underserved: "Underserved communities",
  working_age_adults: "Working age adults",
};

let wired = false;
let asked = 0;
let submittedAt = null;
let cohortsLoaded = null;

function words(code) {
  if (!code) return "";
  const text = String(code).replace(/[_-]+/g, " ").toLowerCase();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function cohortName(code) {
  return COHORT_NAMES[code] || words(code);
}

function truncate(text, most) {
  return text.length > most ? `${text.slice(0, most - 1)}…` : text;
}

// The cohorts the API's services are for, a page at a time (the API has no list of cohorts of
// its own): each offered once, in the select.
async function loadCohorts(select) {
  const found = new Set();
  let after = null;
  for (let pages = 0; pages < 50; pages += 1) {
    const data = await graphql("ServiceCohorts", { after });
    for (const service of data.services.nodes) for (const cohort of service.cohorts) found.add(cohort);
    if (!data.services.pageInfo.hasNextPage) break;
    after = data.services.pageInfo.endCursor;
  }
  const chosen = select.value;
  const options = [...found].sort((a, b) => cohortName(a).localeCompare(cohortName(b)));
  select.replaceChildren(
    el("option", { value: "", text: "Any cohort" }),
    ...options.map((code) => el("option", { value: code, text: cohortName(code) })),
  );
  choose(select, chosen);
}

// Select a cohort, adding it if the list does not have it (a route may name any cohort).
function choose(select, code) {
  if (code && ![...select.options].some((o) => o.value === code)) {
    select.append(el("option", { value: code, text: cohortName(code) }));
  }
  select.value = code || "";
}

// ---- The form's errors: the error summary at the top, and the message on the input. ----

const FIELDS = {
  query: { input: "resident-query", group: "resident-query-group", error: "resident-query-error", hint: "resident-query-hint" },
  age: { input: "resident-age", group: "resident-age-group", error: "resident-age-error", hint: "resident-age-hint" },
};

function fieldError(name, message) {
  const field = FIELDS[name];
  const input = document.getElementById(field.input);
  document.getElementById(field.group).classList.toggle("nhsuk-form-group--error", Boolean(message));
  input.classList.toggle("nhsuk-input--error", Boolean(message));
  document.getElementById(field.error).hidden = !message;
  document.getElementById(`${field.error}-text`).textContent = message || "";
  input.setAttribute("aria-describedby", message ? `${field.hint} ${field.error}` : field.hint);
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

function clearErrors() {
  document.getElementById("resident-errors").replaceChildren();
  for (const name of Object.keys(FIELDS)) fieldError(name, null);
}

function showErrors(errors) {
  const link = ({ name, message, code }) => el("a", {
    href: `#${FIELDS[name].input}`,
    "data-code": code || null,
    text: message,
    // The app's routes are hashes: a link to the input would leave the view, so it focuses it.
    onclick: (event) => {
      event.preventDefault();
      document.getElementById(FIELDS[name].input).focus();
    },
  });
  const summary = el("div", { class: "nhsuk-error-summary", id: "resident-error-summary", tabindex: "-1", "aria-labelledby": "resident-error-title" },
    el("div", { role: "alert" },
      el("h2", { class: "nhsuk-error-summary__title", id: "resident-error-title", text: "There is a problem" }),
      el("div", { class: "nhsuk-error-summary__body" },
        el("ul", { class: "nhsuk-list nhsuk-error-summary__list" }, errors.map((error) => el("li", {}, link(error)))))));
  document.getElementById("resident-errors").replaceChildren(summary);
  for (const error of errors) fieldError(error.name, error.message);
  summary.focus();
}

// ---- The question: from the route's parameters. ----

function number(text) {
  // A number as a number; anything else is sent as typed, for the API to refuse in its words.
  return /^-?\d+(\.\d+)?$/.test(String(text).trim()) ? Number(text) : text;
}

function variables(params) {
  const given = { postcode: null, lsoa: null, latitude: null, longitude: null, age: null, cohort: null };
  if (params.postcode !== undefined) given.postcode = params.postcode;
  else if (params.lsoa !== undefined) given.lsoa = params.lsoa;
  else if (params.latitude !== undefined || params.longitude !== undefined) {
    if (params.latitude !== undefined) given.latitude = number(params.latitude);
    if (params.longitude !== undefined) given.longitude = number(params.longitude);
  }
  if (params.age !== undefined && params.age !== "") given.age = number(params.age);
  if (params.cohort) given.cohort = params.cohort;
  return given;
}

function isQuestion(params) {
  return ["postcode", "lsoa", "latitude", "longitude"].some((name) => params[name] !== undefined);
}

function fillForm(params) {
  document.getElementById("resident-query").value = params.postcode ?? params.lsoa ?? "";
  document.getElementById("resident-age").value = params.age ?? "";
  choose(document.getElementById("resident-cohort"), params.cohort || "");
}

function paramsFromForm() {
  const typed = document.getElementById("resident-query").value.trim();
  const age = document.getElementById("resident-age").value.trim();
  const cohort = document.getElementById("resident-cohort").value;
  const params = {};
  if (LSOA_CODE.test(typed)) params.lsoa = typed.toUpperCase();
  else params.postcode = typed;
  if (age) params.age = age;
  if (cohort) params.cohort = cohort;
  return params;
}

function wire(section) {
  const form = document.getElementById("resident-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const typed = document.getElementById("resident-query").value.trim();
    const ageInput = document.getElementById("resident-age");
    if (!typed) {
      clearAnswer(section);
      section.dataset.state = "error";
      showErrors([{ name: "query", message: "Enter a postcode or LSOA code" }]);
      return;
    }
    if (ageInput.validity.badInput) {
      clearAnswer(section);
      section.dataset.state = "error";
      showErrors([{ name: "age", message: "Enter the age as a whole number of years" }]);
      return;
    }
    submittedAt = performance.now();
    section.dataset.state = "asking";
    const params = paramsFromForm();
    const target = `#/resident?${new URLSearchParams(params).toString()}`;
    if (location.hash === target) answer(section, params);
    else go("resident", params);
  });
}

function clearAnswer(section) {
  clearErrors();
  document.getElementById("resident-answer").replaceChildren();
  document.getElementById("resident-status").textContent = "";
  delete section.dataset.answeredMs;
  delete section.dataset.apiMs;
}

async function answer(section, params) {
  const started = submittedAt ?? performance.now();
  submittedAt = null;
  const mine = ++asked;
  clearAnswer(section);
  section.dataset.state = "asking";
  section.setAttribute("aria-busy", "true");
  document.getElementById("resident-status").textContent = "Finding who serves them…";
  const asking = variables(params);
  let found;
  try {
    found = (await graphql("WhoServes", asking)).resident;
  } catch (error) {
    if (mine !== asked) return;
    section.removeAttribute("aria-busy");
    document.getElementById("resident-status").textContent = "";
    section.dataset.state = "error";
    if (!(error instanceof ApiError)) throw error;
    const argument = (error.extensions && error.extensions.argument) || "";
    const onAge = argument === "age" || (!argument && asking.age !== null && /\bage\b/i.test(error.message));
    showErrors([{ name: onAge ? "age" : "query", message: error.message, code: error.code }]);
    return;
  }
  if (mine !== asked) return;
  section.dataset.apiMs = String(Math.round(performance.now() - started));
  section.removeAttribute("aria-busy");
  if (found.__typename === "ResidentNotFound") {
    document.getElementById("resident-status").textContent = "";
    section.dataset.state = "not-found";
    section.dataset.code = found.code;
    showErrors([{ name: "query", message: found.message, code: found.code }]);
    return;
  }
  delete section.dataset.code;
  draw(found, params);
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  if (mine !== asked) return;
  const took = performance.now() - started;
  section.dataset.answeredMs = String(Math.round(took));
  section.dataset.state = "answered";
  performance.mark("nhgraph:resident-answered");
}

// ---- The rings. ----

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined) continue;
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) if (child) node.append(child);
  return node;
}

function teamName(team) {
  return team.teamName || team.team;
}

function specialistName(specialist) {
  return specialist.label || words(specialist.specialty) || "Specialist";
}

// The items on one ring, evenly round it, each a dot and a label outside it; the top of the
// ring is left for the ring's own name.
function ringItems(items, radius, cx, cy) {
  const count = items.length;
  if (!count) return [];
  const gap = 0.5; // radians left clear at the top for the ring's name
  const step = (2 * Math.PI - gap) / count;
  return items.map((item, index) => {
    const angle = -Math.PI / 2 + gap / 2 + step * (index + 0.5);
    const x = cx + radius * Math.cos(angle);
    const y = cy + radius * Math.sin(angle);
    const cos = Math.cos(angle);
    const anchor = cos > 0.25 ? "start" : cos < -0.25 ? "end" : "middle";
    const away = 12;
    const lx = x + away * cos;
    const ly = y + away * Math.sin(angle) + (Math.abs(cos) <= 0.25 ? (Math.sin(angle) > 0 ? 10 : -4) : 4);
    const mark = item.kind === "specialist"
      ? svg("rect", { x: x - 6, y: y - 6, width: 12, height: 12, class: `app-ring-dot app-ring-dot--${item.tier.toLowerCase()} app-ring-dot--specialist` })
      : svg("circle", { cx: x, cy: y, r: 7, class: `app-ring-dot app-ring-dot--${item.tier.toLowerCase()}` });
    return svg("g", { class: `app-ring-item app-ring-item--${item.kind}`, "data-tier": item.tier, "data-kind": item.kind },
      svg("title", { text: item.title }),
      mark,
      svg("text", { x: lx.toFixed(1), y: ly.toFixed(1), "text-anchor": anchor, class: "app-ring-label", text: truncate(item.name, 26) }));
  });
}

function rings(found) {
  // Wider than high: the outer ring's labels need room either side.
  const [width, height] = [1000, 720];
  const [cx, cy] = [width / 2, height / 2];
  const radii = { HYPER_LOCAL: 100, CONSISTENT: 165, TAILORED: 230, ALIGNED: 300 };
  const place = found.placeName || found.placeId;
  const figure = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "app-rings",
    role: "img",
    "aria-labelledby": "resident-rings-title resident-rings-desc",
    id: "resident-rings",
  });
  const counts = TIERS.map(({ tier, label }) => {
    const n = found.teams.filter((t) => t.tier === tier).length;
    return `${label}: ${n} team${n === 1 ? "" : "s"}`;
  });
  figure.append(
    svg("title", { id: "resident-rings-title", text: `The team of teams around a resident of ${found.lsoa} in ${place}` }),
    svg("desc", { id: "resident-rings-desc", text: `The resident at the centre, then one ring per tier, innermost first. ${counts.join("; ")}; aligned specialists by role: ${found.specialists.length}. The lists below give the same.` }),
    svg("rect", { x: 0, y: 0, width, height, class: "app-rings-background" }),
  );
  TIERS.forEach(({ tier, label }) => {
    const radius = radii[tier];
    const items = found.teams.filter((t) => t.tier === tier).map((t) => ({
      kind: "team",
      tier,
      name: teamName(t),
      title: `${teamName(t)}${t.providerName ? ` (${t.providerName})` : ""}: ${label.toLowerCase()} tier, ${t.reason}`,
    }));
    if (tier === "ALIGNED") {
      for (const s of found.specialists) {
        items.push({
          kind: "specialist",
          tier,
          name: specialistName(s),
          title: `${specialistName(s)}${s.providerName ? ` (${s.providerName})` : ""}: aligned specialist, ${s.reason}`,
        });
      }
    }
    figure.append(svg("g", { class: `app-ring app-ring--${tier.toLowerCase()}`, "data-tier": tier },
      svg("circle", { cx, cy, r: radius, class: "app-ring-line" }),
      svg("text", { x: cx, y: cy - radius + 5, "text-anchor": "middle", class: "app-ring-name", text: label }),
      ringItems(items, radius, cx, cy)));
  });
  figure.append(svg("g", { class: "app-ring-centre" },
    svg("circle", { cx, cy, r: 44, class: "app-ring-resident" }),
    svg("text", { x: cx, y: cy + 6, "text-anchor": "middle", class: "app-ring-resident-label", text: "Resident" })));
  return figure;
}

// ---- The text: the same as the rings, and more. ----

function table(caption, headers, rows, empty) {
  if (!rows.length) return el("p", { class: "nhsuk-body", text: empty });
  return el("div", { class: "app-table-wrap", role: "region", "aria-label": caption, tabindex: "0" },
    el("table", { class: "nhsuk-table" },
      el("caption", { class: "nhsuk-table__caption nhsuk-table__caption--s", text: caption }),
      el("thead", { class: "nhsuk-table__head" },
        el("tr", { class: "nhsuk-table__row" }, headers.map((h) => el("th", { class: "nhsuk-table__header", scope: "col", text: h })))),
      el("tbody", { class: "nhsuk-table__body" }, rows.map((cells) =>
        el("tr", { class: "nhsuk-table__row" }, cells.map((cell) => el("td", { class: "nhsuk-table__cell" }, cell)))))));
}

function card(id, heading, ...content) {
  return el("div", { class: "nhsuk-card", id },
    el("div", { class: "nhsuk-card__content" },
      el("h2", { class: "nhsuk-card__heading nhsuk-heading-m", text: heading }),
      content.flat()));
}

function provider(name, code) {
  if (!name && !code) return "not recorded";
  return name && code ? `${name} (${code})` : name || code;
}

function reasoned(items, none) {
  if (!items.length) return none;
  return el("ul", { class: "nhsuk-list" }, items.map((item) =>
    el("li", {}, el("strong", { text: item.name ? `${item.name} (${item.id})` : item.id }), ` – ${item.reason}`)));
}

function contact(service) {
  const parts = [];
  if (service.phone) parts.push(el("span", { class: "app-nowrap", text: service.phone }));
  if (service.url) {
    if (parts.length) parts.push(el("br"));
    parts.push(/^https?:\/\//i.test(service.url)
      ? el("a", { class: "nhsuk-link", href: service.url, rel: "noopener noreferrer", text: service.url })
      : service.url);
  }
  return parts.length ? parts : "not recorded";
}

function hours(service) {
  if (service.open24x7) return "24 hours a day, 7 days a week";
  return service.hours.length ? service.hours.join("; ") : "not recorded";
}

function tierCard(found, { tier, heading, about }) {
  const teams = found.teams.filter((t) => t.tier === tier);
  return card(`resident-tier-${tier.toLowerCase()}`, `${heading} (${teams.length})`,
    el("p", { class: "nhsuk-body-s", text: about }),
    table(
      heading,
      ["Team", "Provider", "Functions", "Why it applies"],
      teams.map((t) => [
        el("span", { class: "app-resident-team", "data-tier": tier, text: teamName(t) }),
        provider(t.providerName, t.provider),
        t.functions.map(words).join(", ") || "none recorded",
        t.reason,
      ]),
      `No ${heading.toLowerCase()} are recorded for this resident's INTs.`,
    ));
}

function filterWords(params) {
  const parts = [];
  if (params.age !== undefined && params.age !== "") parts.push(`aged ${params.age}`);
  if (params.cohort) parts.push(`in the cohort ${cohortName(params.cohort).toLowerCase()}`);
  return parts.length ? ` for a resident ${parts.join(" and ")}` : "";
}

function draw(found, params) {
  const place = found.placeName || found.placeId;
  const where = found.resolvedBy === "postcode"
    ? found.postcode
    : found.resolvedBy === "point"
      ? `the point ${params.latitude}, ${params.longitude}`
      : found.lsoa;
  const lsoaLink = el("span", {},
    `${found.lsoaName ? `${found.lsoaName} ` : ""}(${found.lsoa}) `,
    el("a", { class: "nhsuk-link", href: `#/map?lsoa=${encodeURIComponent(found.lsoa)}`, text: "See it on the map" }));
  const summary = el("div", { id: "resident-where" },
    el("h2", { class: "nhsuk-heading-m", text: `Who serves a resident of ${where}` }),
    summaryList([
      ["Place", el("span", { id: "resident-place", text: `${place} (${found.placeId})` })],
      ["System", found.system ? `${found.systemName || found.system} (${found.system})` : null],
      ["LSOA", lsoaLink],
      ["Postcode", found.postcode],
      ["Found by", { postcode: "postcode", lsoa: "LSOA code", point: "point on the map" }[found.resolvedBy] || found.resolvedBy],
      ["Neighbourhoods", reasoned(found.neighbourhoods, "none: the LSOA is in no neighbourhood (a gap)")],
      ["INTs", reasoned(found.ints, "none serves its neighbourhoods")],
      ["Integrator", found.integrator
        ? `${provider(found.integrator.name, found.integrator.organisation)}${found.integrator.since ? `, since ${found.integrator.since}` : ""} – ${found.integrator.reason}`
        : "none appointed"],
    ]));

  const figure = el("figure", { class: "app-rings-figure", id: "resident-figure" },
    el("h2", { class: "nhsuk-heading-m", text: "The team of teams" }),
    rings(found),
    el("figcaption", { class: "nhsuk-body-s", text: "The resident at the centre; then, from the inside out, the hyper-local, consistent, tailored and aligned specialist teams (specialists by role as squares on the outer ring). Each tier's teams are listed below." }));

  const services = card("resident-services", `Services they may use${filterWords(params)} (${found.services.length})`,
    table(
      "Services they may use",
      ["Service", "Provider", "Hours", "How to reach it", "Contact", "Self-referral", "Who it is for", "Why it applies"],
      found.services.map((s) => [
        el("span", { class: "app-resident-service", text: s.name }),
        provider(s.providerName, s.provider),
        hours(s),
        s.channels.map(words).join(", ") || "not recorded",
        contact(s),
        s.selfReferral ? "Yes" : "No",
        s.cohorts.length ? s.cohorts.map(cohortName).join(", ") : "Everyone",
        s.reason,
      ]),
      "No service recorded for this resident's areas is open to them.",
    ));

  const specialists = card("resident-specialists", `Aligned specialists by role (${found.specialists.length})`,
    table(
      "Aligned specialists by role",
      ["Role", "Provider", "Sessions a week", "Why it applies"],
      found.specialists.map((s) => [
        specialistName(s),
        provider(s.providerName, s.provider),
        s.sessionsPerWeek === null || s.sessionsPerWeek === undefined ? "not recorded" : String(s.sessionsPerWeek),
        s.reason,
      ]),
      "No specialist is aligned to this resident's INTs.",
    ));

  const integrator = card("resident-integrator", "The place's integrator", found.integrator
    ? summaryList([
      ["Organisation", provider(found.integrator.name, found.integrator.organisation)],
      ["Since", found.integrator.since || "not recorded"],
      ["Why it applies", found.integrator.reason],
    ])
    : el("p", { class: "nhsuk-body", text: `No integrator is appointed for ${place}.` }));

  const gateways = card("resident-gateways", `24/7 gateway${found.gateways.length === 1 ? "" : "s"}`,
    found.gateways.length
      ? found.gateways.map((g) => el("div", { class: "app-resident-gateway" },
        el("h3", { class: "nhsuk-heading-s", text: g.name }),
        summaryList([
          ["Provider", provider(g.providerName, g.provider)],
          ["How to reach it", g.channels.map(words).join(", ") || "not recorded"],
          ["Contact", contact(g)],
          ["Why it applies", g.reason],
        ])))
      : el("p", { class: "nhsuk-body", text: `No 24/7 gateway is recorded for ${place}.` }));

  document.getElementById("resident-answer").replaceChildren(
    summary,
    figure,
    ...TIERS.map((tier) => tierCard(found, tier)),
    specialists,
    services,
    integrator,
    gateways,
  );
  document.getElementById("resident-status").textContent =
    `${place}: ${found.teams.length} teams around the resident, ${found.services.length} services they may use.`;
}

export async function show(section, params) {
  if (!wired) {
    wire(section);
    wired = true;
  }
  fillForm(params);
  if (!isQuestion(params)) {
    submittedAt = null;
    clearAnswer(section);
    section.dataset.state = "ready";
  } else {
    await answer(section, params);
  }
  // The cohorts are listed once, after any answer asked for (so as not to slow it).
  if (!cohortsLoaded) {
    cohortsLoaded = loadCohorts(document.getElementById("resident-cohort")).catch((error) => {
      cohortsLoaded = null;
      console.warn(`the cohorts could not be listed: ${error.message}`);
    });
  }
}
