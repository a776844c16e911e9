// The app's entry: the NHS.UK frontend's components, the key flow, and the views by route.
//
// Each view is a module of its own (views/NAME.mjs) exporting `show(section, params)`, loaded
// when first opened; a route is `#/NAME?param=value`, so a row of a table can link to the map
// or to a resident, and the browser's back button works.

import { initAll } from "/static/vendor/nhsuk-frontend.min.js";
import { ApiError, el, forget, graphql, key, remember, who } from "/static/api.mjs";

const VIEWS = ["map", "resident", "gaps", "sharing", "edit", "key"];
const TITLES = {
  map: "London's neighbourhoods",
  resident: "Who serves a resident",
  gaps: "Gaps and overlaps",
  sharing: "Data-sharing coverage",
  edit: "Edit the map",
  key: "Enter your key",
};

// The frontend's components run only under this class; its template sets it with an inline
// script, which the Content-Security-Policy forbids, so the app's module sets it.
document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();

const loaded = new Map();
// Where to go back to once a key is entered: the view the person came from.
let returnTo = "#/map";

export function showError(message) {
  const box = document.getElementById("app-error");
  if (!message) {
    box.hidden = true;
    return;
  }
  document.getElementById("app-error-message").textContent = message;
  box.hidden = false;
  box.focus();
}

function current() {
  const [path] = location.hash.replace(/^#\/?/, "").split("?");
  return VIEWS.includes(path) ? path : "map";
}

async function route() {
  const name = current();
  if (name !== "key") returnTo = location.hash || "#/map";
  const params = Object.fromEntries(new URLSearchParams(location.hash.split("?")[1] || ""));
  showError(null);
  for (const section of document.querySelectorAll("section[data-view]")) {
    section.hidden = section.dataset.view !== name;
  }
  for (const link of document.querySelectorAll("[data-nav]")) {
    const here = link.dataset.nav === name;
    link.parentElement.classList.toggle("nhsuk-header__navigation-item--current", here);
    if (here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${TITLES[name]} – nhgraph`;
  const section = document.getElementById(`view-${name}`);
  try {
    if (!loaded.has(name)) loaded.set(name, await import(`/static/views/${name}.mjs`));
    await loaded.get(name).show(section, params);
  } catch (error) {
    showError(error instanceof ApiError ? error.message : `This page could not be shown: ${error.message}`);
    if (!(error instanceof ApiError)) console.error(error);
  }
  document.body.dataset.view = name;
}

function showWho() {
  const holder = who();
  document.getElementById("signed-in-as").textContent = holder
    ? `Signed in as ${holder.name} (${holder.role})`
    : "Not signed in (public)";
  document.getElementById("key-link").textContent = holder ? "Change key" : "Enter a key";
}

// Checked against the API before it is kept: a key the API does not know is never stored.
export async function signIn(secret) {
  const data = await graphql("Viewer", {}, secret);
  remember(secret, data.viewer);
  return data.viewer;
}

function keyForm() {
  const form = document.getElementById("key-form");
  const input = document.getElementById("key-input");
  const group = document.getElementById("key-group");
  const error = document.getElementById("key-error");
  const say = (message) => {
    group.classList.toggle("nhsuk-form-group--error", Boolean(message));
    input.classList.toggle("nhsuk-input--error", Boolean(message));
    error.hidden = !message;
    document.getElementById("key-error-text").textContent = message || "";
    if (message) input.setAttribute("aria-describedby", "key-error");
    else input.removeAttribute("aria-describedby");
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const secret = input.value.trim();
    if (!secret) return say("Enter your key");
    try {
      const holder = await signIn(secret);
      say(null);
      input.value = "";
      document.getElementById("key-title").textContent = `Signed in as ${holder.name}`;
      location.hash = returnTo;
    } catch (failure) {
      say(failure.message);
    }
  });
  document.getElementById("key-forget").addEventListener("click", () => {
    forget();
    input.value = "";
    say(null);
  });
}

async function start() {
  keyForm();
  showWho();
  document.addEventListener("nhgraph:key", showWho);
  if (key() && !who()) forget();
  // What the service is comes beside the first view, not before it.
  graphql("About")
    .then((data) => {
      document.getElementById("app-version").textContent = data.about.version;
      document.getElementById("illustrative-banner").hidden = !data.about.illustrativeData;
    })
    .catch((error) => showError(error.message));
  window.addEventListener("hashchange", route);
  await route();
}

export { el };
start();
