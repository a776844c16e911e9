// Edit the map: for integrators (and administrators), within the places their key may edit.
//
// Every edit is one of the API's mutations, asked as any other client asks it: first with
// dryRun (the API checks it as it would be made and changes nothing: what would change, and
// any warnings), then for real. The API judges everything: the page checks only that the
// fields an edit needs are filled, and shows a refusal (EditRefused, or a GraphQL error) in
// the API's words, with the rules it breaks and the records they name.
//
// `#/edit?action=move|team|specialist|service|end` opens one form; the move form takes
// `lsoas=A,B&from=HOOD` (and `to=HOOD`), so a link (or a test) can fill it, and otherwise moves the areas
// chosen on the map (views/edit-selection.mjs).

import { ApiError, el, graphql, who } from "/static/api.mjs";
import * as chosen from "/static/views/edit-selection.mjs";
import { CHANNELS, COHORTS, FUNCTIONS, SPECIALTIES, TIERS } from "/static/views/edit-vocabulary.mjs";

const ACTIONS = [
  ["move", "Move areas between neighbourhoods"],
  ["team", "Add a team to an INT"],
  ["specialist", "Align a specialist to an INT"],
  ["service", "Add a service"],
  ["end", "End a service"],
];

// Each action's mutation (nhgraph/web/operations/*.graphql), asked by name.
const MUTATIONS = {
  move: "Move",
  team: "AddTeam",
  specialist: "Align",
  service: "AddService",
  end: "EndService",
};

// What the page has read of the viewer's places, kept until the key changes or an edit is made.
let known = null;
document.addEventListener("nhgraph:key", () => { known = null; });
// The names of the records read (neighbourhoods, INTs, teams, places), by id: a rule names a
// record by its id, and the page says which it is.
const names = new Map();
function named(...lists) {
  for (const item of lists.flat()) if (item && item.id && item.name) names.set(item.id, item.name);
}

// Every page of a list: `operation` is asked with `after`; `path` names the connection in
// the answer.
async function every(operation, variables, path) {
  const nodes = [];
  let after = null;
  for (;;) {
    const data = await graphql(operation, { ...variables, after });
    const page = data[path];
    nodes.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) return nodes;
    after = page.pageInfo.endCursor;
  }
}

// The viewer's places (every place for an administrator); their neighbourhoods, INTs and the
// teams of those INTs (the teams an integrator would add to another of its INTs) are read
// when a form first needs them.
async function places(holder) {
  if (known && known.holder === holder.name) return known;
  const all = await every("EditPlaces", {}, "places");
  const anywhere = holder.role === "admin";
  const mine = all.filter((p) => anywhere || holder.places.includes(p.id));
  named(all);
  known = {
    holder: holder.name,
    anywhere,
    places: mine,
    // The place filters to ask the lists with: none for an administrator (all of London).
    scope: anywhere ? [null] : mine.map((p) => p.id),
  };
  return known;
}

async function across(data, operation, path, variables = {}) {
  const lists = await Promise.all(data.scope.map((place) => every(operation, { ...variables, place }, path)));
  return lists.flat();
}

async function hoods(data) {
  if (!data.hoods) {
    data.hoods = await across(data, "EditHoods", "neighbourhoods");
    named(data.hoods);
  }
  return data.hoods;
}

async function ints(data) {
  if (!data.ints) {
    data.ints = await across(data, "EditInts", "ints");
    const teams = new Map();
    for (const int of data.ints) {
      for (const m of int.memberships) if (m.team) teams.set(m.team.id, m.team);
    }
    data.teams = [...teams.values()].sort((a, b) => a.name.localeCompare(b.name));
    named(data.ints, data.teams);
  }
  return data.ints;
}

// ---- NHS.UK form components -------------------------------------------------------------

function hintFor(id, hint) {
  return hint ? el("div", { class: "nhsuk-hint", id: `${id}-hint`, text: hint }) : null;
}

function errorFor(id) {
  return el("span", { class: "nhsuk-error-message", id: `${id}-error`, hidden: true },
    el("span", { class: "nhsuk-u-visually-hidden", text: "Error: " }), el("span", { class: "app-error-text" }));
}

function group(id, label, control, hint) {
  const described = [hint ? `${id}-hint` : null].filter(Boolean).join(" ");
  if (described) control.setAttribute("aria-describedby", described);
  return el("div", { class: "nhsuk-form-group", id: `${id}-group` },
    el("label", { class: "nhsuk-label", for: id, text: label }),
    hintFor(id, hint),
    errorFor(id),
    control);
}

function input(id, label, { hint, width = 20, type = "text", inputmode, value } = {}) {
  const control = el("input", {
    class: `nhsuk-input nhsuk-input--width-${width}`, id, name: id, type, inputmode, spellcheck: "false",
  });
  if (value !== undefined && value !== null) control.value = value;
  return group(id, label, control, hint);
}

function textarea(id, label, { hint, rows = 3 } = {}) {
  return group(id, label, el("textarea", { class: "nhsuk-textarea", id, name: id, rows: String(rows), spellcheck: "false" }), hint);
}

function options(select, pairs, prompt) {
  const was = select.value;
  select.replaceChildren(
    prompt ? el("option", { value: "", text: prompt }) : null,
    ...pairs.map(([value, text]) => el("option", { value, text })),
  );
  if (pairs.some(([value]) => value === was)) select.value = was;
}

function select(id, label, pairs, { hint, prompt = "Choose one" } = {}) {
  const control = el("select", { class: "nhsuk-select", id, name: id });
  options(control, pairs, prompt);
  return group(id, label, control, hint);
}

function checkboxes(id, legend, pairs, { hint } = {}) {
  return el("div", { class: "nhsuk-form-group", id: `${id}-group` },
    el("fieldset", { class: "nhsuk-fieldset", "aria-describedby": hint ? `${id}-hint` : null },
      el("legend", { class: "nhsuk-fieldset__legend nhsuk-fieldset__legend--s", text: legend }),
      hintFor(id, hint),
      el("div", { class: "nhsuk-checkboxes nhsuk-checkboxes--small", id }, pairs.map(([value, text], i) =>
        el("div", { class: "nhsuk-checkboxes__item" },
          el("input", { class: "nhsuk-checkboxes__input", id: `${id}-${i}`, name: id, type: "checkbox", value }),
          el("label", { class: "nhsuk-label nhsuk-checkboxes__label", for: `${id}-${i}`, text }))))));
}

function ticked(form, name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((box) => box.value);
}

// A date as the NHS.UK date input asks it: day, month and year, each its own field.
function dateInput(id, legend, hint) {
  const part = (name, label, width) => el("div", { class: "nhsuk-date-input__item" },
    el("div", { class: "nhsuk-form-group" },
      el("label", { class: "nhsuk-label nhsuk-date-input__label", for: `${id}-${name}`, text: label }),
      el("input", {
        class: `nhsuk-input nhsuk-date-input__input nhsuk-input--width-${width}`,
        id: `${id}-${name}`, name: `${id}-${name}`, type: "text", inputmode: "numeric",
      })));
  return el("div", { class: "nhsuk-form-group", id: `${id}-group` },
    el("fieldset", { class: "nhsuk-fieldset", role: "group", "aria-describedby": `${id}-hint` },
      el("legend", { class: "nhsuk-fieldset__legend nhsuk-fieldset__legend--s", text: legend }),
      hintFor(id, hint),
      el("div", { class: "nhsuk-date-input", id },
        part("day", "Day", 2), part("month", "Month", 2), part("year", "Year", 4))));
}

// The date entered as YYYY-MM-DD, null when left empty (the API judges a date it cannot read).
function dateValue(form, id) {
  const [day, month, year] = ["day", "month", "year"].map((p) => form.querySelector(`#${id}-${p}`).value.trim());
  if (!day && !month && !year) return null;
  return `${year.padStart(4, "0")}-${month.padStart(2, "0")}-${day.padStart(2, "0")}`;
}

// A search box over a list, and the select of what it finds.
function picker(id, label, { hint, searchLabel, find }) {
  const search = el("input", { class: "nhsuk-input nhsuk-input--width-20", id: `${id}-search`, type: "search", spellcheck: "false" });
  const button = el("button", { type: "button", class: "nhsuk-button nhsuk-button--secondary nhsuk-button--small app-edit-search", text: "Search" });
  const found = el("p", { class: "nhsuk-body-s", id: `${id}-found`, "aria-live": "polite" });
  const chooser = select(id, label, [], { hint });
  const control = chooser.querySelector("select");
  // Only the latest search's answer is shown: the list the form opens with may answer after
  // a search typed meanwhile, and would replace its results (and the choice made from them).
  let latest = 0;
  const run = async () => {
    const mine = ++latest;
    found.textContent = "Searching…";
    try {
      const pairs = await find(search.value.trim());
      if (mine !== latest) return;
      options(control, pairs, pairs.length ? "Choose one" : "None found");
      found.textContent = pairs.length === 1 ? "1 found." : `${pairs.length} found.`;
    } catch (error) {
      if (mine === latest) found.textContent = error.message;
    }
  };
  button.addEventListener("click", run);
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      run();
    }
  });
  const box = el("div", { class: "app-edit-picker" },
    el("div", { class: "nhsuk-form-group" },
      el("label", { class: "nhsuk-label", for: `${id}-search`, text: searchLabel }),
      el("div", { class: "app-edit-search-row" }, search, button),
      found),
    chooser);
  box.run = run;
  return box;
}

// ---- Answers: errors, refusals, what will change, what changed ---------------------------

function errorBox(section) {
  return section.querySelector("#edit-error");
}

function clearErrors(section) {
  const box = errorBox(section);
  box.hidden = true;
  box.querySelector(".nhsuk-error-summary__body").replaceChildren();
  for (const g of section.querySelectorAll(".nhsuk-form-group--error")) g.classList.remove("nhsuk-form-group--error");
  for (const c of section.querySelectorAll(".nhsuk-input--error, .nhsuk-select--error, .nhsuk-textarea--error")) {
    c.classList.remove("nhsuk-input--error", "nhsuk-select--error", "nhsuk-textarea--error");
  }
  for (const m of section.querySelectorAll(".nhsuk-error-message")) {
    m.hidden = true;
    const control = section.querySelector(`#${m.id.replace(/-error$/, "")}`);
    if (control) control.setAttribute("aria-describedby", (control.getAttribute("aria-describedby") || "").replace(m.id, "").trim());
  }
}

function showSummary(section, title, body) {
  const box = errorBox(section);
  box.querySelector(".nhsuk-error-summary__title").textContent = title;
  box.querySelector(".nhsuk-error-summary__body").replaceChildren(...body);
  box.hidden = false;
  box.focus();
}

// The fields left empty: each named in the summary (a link that moves to it) and by the field.
function showMissing(section, missing) {
  for (const [id, message] of missing) {
    const control = section.querySelector(`#${id}`);
    const groupEl = section.querySelector(`#${id}-group`);
    if (groupEl) groupEl.classList.add("nhsuk-form-group--error");
    const note = section.querySelector(`#${id}-error`);
    if (note) {
      note.querySelector(".app-error-text").textContent = message;
      note.hidden = false;
    }
    if (control && control.matches("input, select, textarea")) {
      control.classList.add(control.tagName === "SELECT" ? "nhsuk-select--error" : control.tagName === "TEXTAREA" ? "nhsuk-textarea--error" : "nhsuk-input--error");
      control.setAttribute("aria-describedby", `${control.getAttribute("aria-describedby") || ""} ${id}-error`.trim());
    }
  }
  showSummary(section, "There is a problem", [
    el("ul", { class: "nhsuk-list nhsuk-error-summary__list" }, missing.map(([id, message]) =>
      el("li", {}, el("a", {
        href: `#${id}`,
        onclick: (event) => {
          event.preventDefault();
          const target = section.querySelector(`#${id}`);
          const focusable = target && (target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea"));
          if (focusable) focusable.focus();
        },
      }, message)))),
  ]);
}

function shortRule(rule) {
  return String(rule || "").replace(/^.*[#/:]/, "");
}

// A record a rule names (`e09000012-n1`, `lsoa/E01000871`, `Neighbourhood/x`), by its name
// where the page has read it.
function record(node) {
  const [kind, id] = node.includes("/") ? node.split(/\/(.*)/s) : ["", node];
  const name = names.get(id);
  const what = kind ? `${kind.toLowerCase() === "lsoa" ? "LSOA" : kind.toLowerCase() === "int" ? "INT" : kind} ` : "";
  return name && name !== id ? `${what}${name} (${id})` : `${what}${id}`;
}

function where(result) {
  const parts = [];
  if (result.node) parts.push(`Where: ${record(result.node)}.`);
  if (result.path) parts.push(`What: its ${shortRule(result.path)}.`);
  if (result.value) parts.push(`Value: ${record(result.value)}.`);
  return parts.join(" ");
}

function ruleItems(rules) {
  return el("ul", { class: "nhsuk-list nhsuk-list--bullet app-edit-rules" }, rules.map((r) =>
    el("li", { "data-rule": r.rule, "data-severity": r.severity },
      el("strong", { text: r.message }),
      where(r) ? el("span", { class: "app-edit-where", text: where(r) }) : null,
      el("span", { class: "app-edit-rule-name", text: `${r.severity === "Violation" ? "Rule" : r.severity}: ${shortRule(r.rule)}` }))));
}

// EditRefused's codes; any other refusal is a GraphQL error (a value the API could not read).
const REFUSALS = ["not_found", "invalid", "rule_broken", "outside_your_places"];

// A refusal: the API's message, the rules broken (for rule_broken), and that nothing changed.
function showRefusal(section, refusal) {
  const body = [];
  if (!REFUSALS.includes(refusal.code)) {
    body.push(el("p", { text: "The service could not take the change as it was entered:" }));
  }
  body.push(el("p", { class: "app-edit-refusal-message", "data-code": refusal.code || "", text: refusal.message }));
  const broken = refusal.rules || [];
  if (broken.length) {
    body.push(el("p", { text: broken.length === 1 ? "It breaks this rule:" : `It breaks these ${broken.length} rules:` }));
    body.push(ruleItems(broken));
  }
  if (refusal.code === "outside_your_places" && known) {
    body.push(el("p", { class: "app-edit-yours", text: known.anywhere ? "" : `Your key may edit only ${known.places.map((p) => `${p.name} (${p.id})`).join(", ") || "no place"}.` }));
  }
  body.push(el("p", { class: "app-edit-nothing", text: "Nothing was changed." }));
  showSummary(section, "This change was refused", body);
}

function warningsCallout(warnings) {
  if (!warnings.length) return null;
  return el("div", { class: "nhsuk-card nhsuk-card--warning app-edit-warnings" },
    el("div", { class: "nhsuk-card__content" },
      el("h4", { class: "nhsuk-card__heading" },
        el("span", { class: "nhsuk-u-visually-hidden", text: "Important: " }),
        warnings.length === 1 ? "1 warning" : `${warnings.length} warnings`),
      el("p", { text: "The change is allowed, but the rules warn of this:" }),
      ruleItems(warnings)));
}

function changeList(changes) {
  return changes.length
    ? el("ul", { class: "nhsuk-list nhsuk-list--bullet app-edit-changes" }, changes.map((line) => el("li", { text: line })))
    : el("p", { text: "It changes nothing that is stored now." });
}

// One edit's form: Check (a dry run), then Make. `read` gives {variables, missing}; `done`
// is told of the edit made.
function editForm(section, { id, intro, fields, read, mutation, done }) {
  const outcome = el("div", { class: "app-edit-outcome", id: `${id}-outcome`, "aria-live": "polite" });
  const check = el("button", { class: "nhsuk-button", type: "submit", id: `${id}-check`, text: "Check this change" });
  const entry = el("div", { class: "app-edit-fields" },
    intro ? el("p", { class: "nhsuk-body", text: intro }) : null,
    ...fields,
    check);
  const form = el("form", { id: `${id}-form`, novalidate: true, class: "app-edit-form" }, entry, outcome);
  let checked = null;
  const ask = async (variables, dryRun) => {
    try {
      const data = await graphql(mutation, { ...variables, dryRun });
      return data.result;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return { __typename: "EditRefused", code: error.code || "error", message: error.message, rules: [] };
    }
  };
  const stale = () => {
    if (checked && !checked.made) {
      checked = null;
      outcome.replaceChildren(el("p", { class: "nhsuk-body app-edit-stale", text: "You changed the form: check the change again before making it." }));
    }
  };
  form.addEventListener("input", stale);
  form.addEventListener("change", stale);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(section);
    outcome.replaceChildren();
    checked = null;
    const { variables, missing } = read(form);
    if (missing.length) return showMissing(section, missing);
    check.disabled = true;
    outcome.replaceChildren(el("p", { class: "nhsuk-body", text: "Checking…" }));
    const result = await ask(variables, true).finally(() => { check.disabled = false; });
    if (result.__typename === "EditRefused") {
      outcome.replaceChildren();
      return showRefusal(section, result);
    }
    checked = { variables, made: false };
    const make = el("button", { class: "nhsuk-button", type: "button", id: `${id}-make`, text: "Make this change" });
    const heading = el("h3", { class: "nhsuk-heading-m", tabindex: "-1", id: `${id}-preview-title`, text: "What this change will do" });
    outcome.replaceChildren(el("div", { class: "nhsuk-card app-edit-preview", id: `${id}-preview` },
      el("div", { class: "nhsuk-card__content" },
        heading,
        el("p", { class: "nhsuk-body", text: "Checked: nothing has been changed yet." }),
        changeList(result.changes),
        warningsCallout(result.warnings),
        make)));
    heading.focus();
    make.addEventListener("click", async () => {
      if (!checked) return;
      make.disabled = true;
      clearErrors(section);
      const made = await ask(checked.variables, false).finally(() => { make.disabled = false; });
      if (made.__typename === "EditRefused") return showRefusal(section, made);
      checked.made = true;
      known = null;
      // The form is done with: the confirmation stands in its place, until another change.
      const title = el("h3", { class: "nhsuk-panel__heading", tabindex: "-1", text: "Change made" });
      const another = el("button", { type: "button", class: "nhsuk-button nhsuk-button--secondary", id: `${id}-another`, text: "Make another change" });
      another.addEventListener("click", () => {
        checked = null;
        outcome.replaceChildren();
        entry.hidden = false;
        const first = entry.querySelector("input, select, textarea");
        if (first) first.focus();
      });
      entry.hidden = true;
      outcome.replaceChildren(...[
        el("div", { class: "nhsuk-panel app-edit-done", id: `${id}-done` },
          title,
          el("div", { class: "nhsuk-panel__body" },
            el("p", {}, "Edit record ", el("strong", { class: "app-edit-id", text: made.edit }), `, by ${made.by}.`),
            changeList(made.changes))),
        warningsCallout(made.warnings),
        done ? done(made, checked.variables) : null,
        another,
      ].filter(Boolean));
      title.focus();
    });
  });
  return form;
}

// ---- The forms ---------------------------------------------------------------------------

function need(form, id, message, missing) {
  const control = form.querySelector(`#${id}`);
  const value = control ? control.value.trim() : "";
  if (!value) missing.push([id, message]);
  return value;
}

function intPairs(data) {
  return data.ints.map((i) => [i.id, `${i.name} (${i.place ? i.place.name : "no place"})`]);
}

async function moveForm(section, params, data) {
  if (params.lsoas) {
    chosen.replace(params.lsoas.split(",").map((code) => code.trim().toUpperCase()).filter(Boolean)
      .map((id) => ({ id, from: params.from || null })));
  }
  const holder = el("div", { id: "move-areas" });
  const fromSelect = el("select", { class: "nhsuk-select", id: "move-from", name: "move-from" });
  const toSelect = el("select", { class: "nhsuk-select", id: "move-to", name: "move-to" });
  const knownHoods = await hoods(data);
  const hoodsById = new Map(knownHoods.map((h) => [h.id, h]));
  const lookup = async (hood) => {
    if (!hoodsById.has(hood)) {
      const found = await graphql("EditHood", { id: hood });
      hoodsById.set(hood, found.neighbourhood || { id: hood, name: hood, place: null });
      named(found.neighbourhood);
    }
    return hoodsById.get(hood);
  };
  const hoodsOf = async (place) => {
    if (!place) return [];
    const mine = knownHoods.filter((h) => h.place && h.place.id === place);
    if (mine.length) return mine;
    const found = await every("EditHoods", { place }, "neighbourhoods");
    named(found);
    return found;
  };
  // The neighbourhoods of the same place; and one a link names (`to=`), wherever it is.
  const drawTargets = async () => {
    const from = fromSelect.value ? await lookup(fromSelect.value) : null;
    const hoods = (await hoodsOf(from && from.place && from.place.id)).filter((h) => h.id !== fromSelect.value);
    if (params.to && !hoods.some((h) => h.id === params.to)) {
      const named = await lookup(params.to);
      hoods.push({ ...named, name: named.place ? `${named.name}, in ${named.place.name}` : named.name });
    }
    options(toSelect, hoods.map((h) => [h.id, `${h.name} (${h.id})`]), "Choose a neighbourhood");
    if (params.to && !toSelect.dataset.prefilled) {
      toSelect.value = params.to;
      toSelect.dataset.prefilled = "1";
    }
  };
  const draw = async () => {
    const areas = chosen.selection();
    named(areas);
    const froms = [...new Set(areas.map((a) => a.from).filter(Boolean))];
    const hoods = await Promise.all(froms.map(lookup));
    options(fromSelect, hoods.map((h) => [h.id, `${h.name} (${h.id})`]), froms.length === 1 ? null : "Choose a neighbourhood");
    if (froms.length === 1) fromSelect.value = froms[0];
    const hoodName = (id) => (id ? `${hoodsById.get(id) ? hoodsById.get(id).name : id} (${id})` : "no neighbourhood (a gap: it can be added to one, not moved)");
    holder.replaceChildren(areas.length
      ? el("table", { class: "nhsuk-table app-edit-areas" },
        el("caption", { class: "nhsuk-table__caption nhsuk-table__caption--s", text: areas.length === 1 ? "1 area chosen to move" : `${areas.length} areas chosen to move` }),
        el("thead", { class: "nhsuk-table__head" }, el("tr", { class: "nhsuk-table__row" },
          el("th", { class: "nhsuk-table__header", scope: "col", text: "Area (LSOA)" }),
          el("th", { class: "nhsuk-table__header", scope: "col", text: "Now in" }),
          el("th", { class: "nhsuk-table__header", scope: "col" }, el("span", { class: "nhsuk-u-visually-hidden", text: "Action" })))),
        el("tbody", { class: "nhsuk-table__body" }, areas.map((a) => el("tr", { class: "nhsuk-table__row", "data-lsoa": a.id },
          el("td", { class: "nhsuk-table__cell", text: a.name ? `${a.name} (${a.id})` : a.id }),
          el("td", { class: "nhsuk-table__cell app-edit-from", text: hoodName(a.from) }),
          el("td", { class: "nhsuk-table__cell" }, el("button", {
            type: "button",
            class: "nhsuk-button nhsuk-button--secondary nhsuk-button--small app-edit-remove",
            "aria-label": `Remove ${a.id} from the areas to move`,
            onclick: () => chosen.remove(a.id),
          }, "Remove"))))))
      : el("div", { class: "nhsuk-inset-text" },
        el("p", {}, "No areas are chosen yet. ", el("a", { class: "nhsuk-link", href: "#/map", text: "Select an area on the map" }),
          " and choose “Add to the areas to move”.")));
    await drawTargets();
  };
  fromSelect.addEventListener("change", () => drawTargets().catch(() => {}));
  const redraw = () => {
    if (!holder.isConnected) return document.removeEventListener("nhgraph:selection", redraw);
    draw().catch((error) => showRefusal(section, { message: error.message }));
  };
  document.addEventListener("nhgraph:selection", redraw);
  await draw();
  chosen.highlight();
  return editForm(section, {
    id: "move",
    intro: "Move small areas (LSOAs) from one neighbourhood’s footprint to another’s in the same place. Choose the areas on the map.",
    fields: [
      holder,
      group("move-from", "Move the areas now in", fromSelect, "Areas in other neighbourhoods are moved in a change of their own."),
      group("move-to", "To the neighbourhood", toSelect, "Neighbourhoods in the same place."),
    ],
    read: (form) => {
      const missing = [];
      const from = need(form, "move-from", "Choose an area on the map to move", missing);
      const to = need(form, "move-to", "Choose the neighbourhood to move the areas to", missing);
      const lsoas = chosen.selection().filter((a) => a.from === from).map((a) => a.id);
      if (from && !lsoas.length) missing.push(["move-from", "Choose an area on the map to move"]);
      return { variables: { lsoas, from, to }, missing };
    },
    mutation: MUTATIONS.move,
    done: (made, variables) => {
      for (const code of variables.lsoas) chosen.remove(code);
      document.dispatchEvent(new CustomEvent("nhgraph:refresh"));
      return el("p", { class: "nhsuk-body" }, el("a", {
        class: "nhsuk-link", id: "move-see-map", href: `#/map?lsoa=${variables.lsoas.map(encodeURIComponent).join(",")}`,
        text: variables.lsoas.length === 1 ? `See ${variables.lsoas[0]} on the map` : `See the ${variables.lsoas.length} areas on the map`,
      }));
    },
  });
}

async function teamForm(section, data) {
  await ints(data);
  const teams = picker("team-team", "Team", {
    searchLabel: "Search for a team by name",
    hint: "Teams in an INT of your places.",
    find: async (text) => data.teams
      .filter((t) => !text || `${t.name} ${t.id} ${t.provider ? t.provider.name : ""}`.toLowerCase().includes(text.toLowerCase()))
      .map((t) => [t.id, `${t.name}${t.provider ? ` (${t.provider.name})` : ""}`]),
  });
  teams.run();
  return editForm(section, {
    id: "team",
    intro: "Add a team to an integrated neighbourhood team (INT), in one of the tiers of the team of teams.",
    fields: [
      select("team-int", "INT", intPairs(data), { hint: "INTs in your places." }),
      teams,
      select("team-tier", "Tier", TIERS.map(([value, label]) => [value.toUpperCase(), label]), { hint: "Hyper-local teams are around a few thousand residents; consistent ones are the same across the place; tailored ones for a cohort; aligned specialists support the INT." }),
      dateInput("team-start", "Start date", "For example, 15 3 2027. Leave it empty for today."),
    ],
    read: (form) => {
      const missing = [];
      const variables = {
        int: need(form, "team-int", "Choose the INT", missing),
        team: need(form, "team-team", "Choose the team", missing),
        tier: need(form, "team-tier", "Choose the tier", missing),
        start: dateValue(form, "team-start"),
      };
      return { variables, missing };
    },
    mutation: MUTATIONS.team,
  });
}

// Organisations by name or code anywhere (a provider need not be based in the place it
// serves); until a search, those of one kind (NHS trusts, for specialists) or in the places.
function organisationFinder(data, kind) {
  return async (text) => {
    const scopes = text || kind ? [null] : data.scope;
    const found = new Map();
    for (const place of scopes) {
      const page = await graphql("EditOrgs", { place, search: text || null, kind: text ? null : kind });
      for (const o of page.organisations.nodes) found.set(o.id, o);
    }
    return [...found.values()].map((o) => [o.id, `${o.name} (${o.id})`]);
  };
}

async function specialistForm(section, data) {
  await ints(data);
  const provider = picker("spec-provider", "Provider organisation", {
    searchLabel: "Search for the provider by name or ODS code",
    hint: "NHS trusts are listed until you search.",
    find: organisationFinder(data, "NHS_TRUST"),
  });
  provider.run();
  return editForm(section, {
    id: "spec",
    intro: "Align a specialist role to an INT: the role and the organisation that provides it, never a named person.",
    fields: [
      select("spec-int", "INT", intPairs(data), { hint: "INTs in your places." }),
      select("spec-specialty", "Specialty", SPECIALTIES.map(([value, label]) => [value, label])),
      provider,
      input("spec-sessions", "Sessions a week", { hint: "For example, 2 or 0.5 (a session is half a day).", width: 4, inputmode: "decimal" }),
      dateInput("spec-start", "Start date", "For example, 15 3 2027. Leave it empty for today."),
      dateInput("spec-end", "End date (if it ends)", "Leave it empty for no end."),
    ],
    read: (form) => {
      const missing = [];
      const sessions = need(form, "spec-sessions", "Enter the sessions a week", missing);
      const variables = {
        int: need(form, "spec-int", "Choose the INT", missing),
        specialty: need(form, "spec-specialty", "Choose the specialty", missing),
        provider: need(form, "spec-provider", "Choose the provider organisation", missing),
        sessions: sessions && Number.isFinite(Number(sessions)) ? Number(sessions) : sessions,
        start: dateValue(form, "spec-start"),
        end: dateValue(form, "spec-end"),
      };
      return { variables, missing };
    },
    mutation: MUTATIONS.specialist,
  });
}

function words(text) {
  return text.split(/[\s,;]+/).map((w) => w.trim()).filter(Boolean);
}

async function serviceForm(section, data) {
  await hoods(data);
  const provider = picker("service-provider", "Provider organisation", {
    searchLabel: "Search for the provider by name or ODS code",
    hint: "Organisations based in your places are listed until you search.",
    find: organisationFinder(data, null),
  });
  provider.run();
  return editForm(section, {
    id: "service",
    intro: "Add a service residents can use: who provides it, what it does, who and where it is for, and how to reach it.",
    fields: [
      input("service-id", "Service id", { hint: "Lower case letters, digits and hyphens, unique: for example, camden-falls-clinic.", width: 20 }),
      input("service-name", "Name", { hint: "As residents would know it.", width: 30 }),
      provider,
      select("service-function", "What it does (function)", FUNCTIONS),
      checkboxes("service-hoods", "The neighbourhoods it is for", data.hoods.map((h) => [h.id, h.name]), { hint: "Choose neighbourhoods, whole places or small areas (below): at least one." }),
      checkboxes("service-places", "The places it is for (all of the place)", data.places.map((p) => [p.id, p.name])),
      textarea("service-lsoas", "Small areas (LSOA codes) it is for", { hint: "Codes separated by spaces or commas, for example E01000907.", rows: 2 }),
      input("service-min-age", "Youngest age (years)", { hint: "Leave empty for no lower limit.", width: 3, inputmode: "numeric" }),
      input("service-max-age", "Oldest age (years)", { hint: "Leave empty for no upper limit.", width: 3, inputmode: "numeric" }),
      checkboxes("service-cohorts", "The groups it is for (cohorts)", COHORTS, { hint: "Leave all unticked if it is for everyone in its area." }),
      checkboxes("service-channels", "How residents reach it", CHANNELS),
      textarea("service-hours", "Opening hours", { hint: "One a line, for example Mon-Fri 08:00-18:30 or Sat 09:00-12:00.", rows: 3 }),
      checkboxes("service-flags", "Access", [["open24x7", "Open 24 hours a day, 7 days a week"], ["selfReferral", "Residents can refer themselves"]]),
      input("service-phone", "Phone number", { width: 20, type: "tel" }),
      input("service-url", "Web address", { hint: "For example, https://www.example.nhs.uk/falls", width: 30, type: "url" }),
    ],
    read: (form) => {
      const missing = [];
      const number = (id) => {
        const value = form.querySelector(`#${id}`).value.trim();
        return value === "" ? null : Number.isFinite(Number(value)) ? Number(value) : value;
      };
      const optional = (id) => form.querySelector(`#${id}`).value.trim() || null;
      const flags = ticked(form, "service-flags");
      const service = {
        id: need(form, "service-id", "Enter the service id", missing),
        name: need(form, "service-name", "Enter the service's name", missing),
        provider: need(form, "service-provider", "Choose the provider organisation", missing),
        function: need(form, "service-function", "Choose what the service does", missing),
        neighbourhoods: ticked(form, "service-hoods"),
        places: ticked(form, "service-places"),
        lsoas: words(form.querySelector("#service-lsoas").value).map((w) => w.toUpperCase()),
        minAge: number("service-min-age"),
        maxAge: number("service-max-age"),
        cohorts: ticked(form, "service-cohorts"),
        channels: ticked(form, "service-channels").map((c) => c.toUpperCase()),
        hours: form.querySelector("#service-hours").value.split("\n").map((h) => h.trim()).filter(Boolean),
        open24x7: flags.includes("open24x7"),
        selfReferral: flags.includes("selfReferral"),
        phone: optional("service-phone"),
        url: optional("service-url"),
      };
      return { variables: { service }, missing };
    },
    mutation: MUTATIONS.service,
  });
}

function endForm(section, data) {
  const services = picker("end-service", "Service to end", {
    searchLabel: "Search for a service by name",
    hint: "Services running in your places.",
    find: async (text) => {
      const found = new Map();
      for (const place of data.scope) {
        const page = await graphql("EditServices", { place, search: text || null });
        for (const s of page.services.nodes) found.set(s.id, s);
      }
      return [...found.values()].map((s) => [s.id, `${s.name}${s.provider ? ` (${s.provider.name})` : ""}`]);
    },
  });
  services.run();
  return editForm(section, {
    id: "end",
    intro: "End a service: it stays on record, no longer offered to residents.",
    fields: [services],
    read: (form) => {
      const missing = [];
      return { variables: { id: need(form, "end-service", "Choose the service to end", missing) }, missing };
    },
    mutation: MUTATIONS.end,
  });
}

// ---- The view ----------------------------------------------------------------------------

function skeleton(section) {
  let body = section.querySelector("#edit-body");
  if (!body) {
    body = el("div", { id: "edit-body" });
    section.append(body);
  }
  return body;
}

export async function show(section, params) {
  const body = skeleton(section);
  const holder = who();
  if (!holder || !holder.mayEdit) {
    body.replaceChildren(
      el("p", { class: "nhsuk-body", id: "edit-need-key" },
        holder
          ? `Your key (${holder.name}, ${holder.role}) may not edit the map. Edits need an integrator’s key, or an administrator’s. `
          : "Edits to the map need an integrator’s key, or an administrator’s. ",
        el("a", { class: "nhsuk-link", href: "#/key", text: holder ? "Enter another key" : "Enter your key" }),
        "."),
    );
    return;
  }
  body.replaceChildren(el("p", { class: "nhsuk-body", text: "Reading your places…" }));
  const data = await places(holder);
  const action = ACTIONS.some(([name]) => name === params.action) ? params.action : "move";
  const title = ACTIONS.find(([name]) => name === action)[1];
  const placeNames = data.anywhere
    ? "every place (an administrator’s key)"
    : data.places.map((p) => `${p.name} (${p.id})`).join(", ") || "no place";
  body.replaceChildren(
    el("p", { class: "nhsuk-body", id: "edit-places" },
      `Signed in as ${holder.name} (${holder.role}). Your key may edit `,
      el("strong", { text: placeNames }),
      ". Each change is checked first, and nothing is changed until you make it."),
    el("nav", { class: "app-edit-actions", "aria-label": "What to change" },
      el("ul", { class: "nhsuk-list app-edit-action-list" }, ACTIONS.map(([name, label]) =>
        el("li", {}, el("a", {
          class: "nhsuk-link",
          href: `#/edit?action=${name}`,
          "aria-current": name === action ? "page" : null,
          text: label,
        }))))),
    el("div", { id: "edit-error", class: "nhsuk-error-summary", "aria-labelledby": "edit-error-title", role: "alert", tabindex: "-1", hidden: true },
      el("h2", { class: "nhsuk-error-summary__title", id: "edit-error-title", text: "There is a problem" }),
      el("div", { class: "nhsuk-error-summary__body" })),
    el("h2", { class: "nhsuk-heading-l", id: "edit-form-title", text: title }),
  );
  let form;
  if (action === "move") form = await moveForm(section, params, data);
  else if (action === "team") form = await teamForm(section, data);
  else if (action === "specialist") form = await specialistForm(section, data);
  else if (action === "service") form = await serviceForm(section, data);
  else form = endForm(section, data);
  body.append(form);
}
