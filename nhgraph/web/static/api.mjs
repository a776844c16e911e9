// What every view shares: the key kept for this tab, and GraphQL asked with it.
//
// The key lives in sessionStorage: it is this tab's alone and is gone when the tab closes; it
// is never put in a URL, a cookie or localStorage. It is sent in the Authorization header the
// API reads, so the API's role rules are the only gate and no other site can act with it.

import { OPERATIONS } from "/static/operations.mjs";

const KEY = "nhgraph.key";
const WHO = "nhgraph.who";

export function key() {
  return sessionStorage.getItem(KEY);
}

export function who() {
  const held = sessionStorage.getItem(WHO);
  return held ? JSON.parse(held) : null;
}

export function remember(secret, holder) {
  sessionStorage.setItem(KEY, secret);
  sessionStorage.setItem(WHO, JSON.stringify(holder));
  document.dispatchEvent(new CustomEvent("nhgraph:key"));
}

export function forget() {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(WHO);
  document.dispatchEvent(new CustomEvent("nhgraph:key"));
}

export class ApiError extends Error {
  constructor(message, code, extensions = {}) {
    super(message);
    this.code = code;
    // The API's own details of a refusal (for BAD_USER_INPUT: the argument refused).
    this.extensions = extensions;
  }
}

export function headers(secret = key()) {
  const sent = { "Content-Type": "application/json", Accept: "application/json" };
  if (secret) sent.Authorization = `Bearer ${secret}`;
  return sent;
}

// Ask /graphql one of the app's operations (static/operations.mjs, generated from
// nhgraph/web/operations/*.graphql) by name; the data, or an ApiError with the API's own words
// (and its code). The operation is sent as a persisted operation, by the SHA-256 of its text
// (Apollo's persistedQuery extension), which the API registers from the same files; so the
// app keeps working where the API accepts only persisted operations. Only if the API does not
// know the hash (a tab opened before an upgrade) is the text sent, beside it.
export async function graphql(name, variables = {}, secret = key()) {
  const operation = OPERATIONS[name];
  if (!operation) throw new ApiError(`The app has no GraphQL operation named "${name}".`, "NO_OPERATION");
  const extensions = { persistedQuery: { version: 1, sha256Hash: operation.sha256 } };
  const asked = { operationName: name, variables, extensions };
  try {
    return await post(asked, secret);
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== "PERSISTED_QUERY_NOT_FOUND") throw error;
  }
  return post({ ...asked, query: operation.query }, secret);
}

async function post(body, secret) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: headers(secret),
    body: JSON.stringify(body),
    credentials: "omit",
  });
  if (response.status === 401) {
    if (secret === key()) forget();
    throw new ApiError("The key is not one this service knows. Enter your key again.", "UNAUTHENTICATED");
  }
  let answer;
  try {
    answer = await response.json();
  } catch {
    throw new ApiError(`The service answered ${response.status} with no readable answer.`, "BAD_RESPONSE");
  }
  if (answer.errors && answer.errors.length) {
    const first = answer.errors[0];
    throw new ApiError(first.message, first.extensions && first.extensions.code, first.extensions || {});
  }
  return answer.data;
}

// Text that goes into the page is set as text, never as HTML.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// A summary list (the NHS.UK frontend's key/value rows), from [label, value] pairs.
export function summaryList(rows) {
  return el(
    "dl",
    { class: "nhsuk-summary-list" },
    rows
      .filter(([, value]) => value !== null && value !== undefined && value !== "")
      .map(([label, value]) =>
        el("div", { class: "nhsuk-summary-list__row" },
          el("dt", { class: "nhsuk-summary-list__key", text: label }),
          el("dd", { class: "nhsuk-summary-list__value" }, value))),
  );
}

// The hash route's parameters: #/resident?postcode=N20%200DH gives {postcode: "N20 0DH"}.
export function routeParams() {
  const [, query = ""] = location.hash.split("?");
  return Object.fromEntries(new URLSearchParams(query));
}

export function go(view, params = {}) {
  const query = new URLSearchParams(params).toString();
  location.hash = `#/${view}${query ? `?${query}` : ""}`;
}

export function formatNumber(value) {
  return value === null || value === undefined ? "unknown" : Number(value).toLocaleString("en-GB");
}

// A labelled select in an NHS.UK form group (with a hint when given): the filters of the views.
export function selectGroup({ id, name, label, hint = null, options = [] }) {
  const hintId = hint ? `${id}-hint` : null;
  return el("div", { class: "nhsuk-form-group" },
    el("label", { class: "nhsuk-label", for: id, text: label }),
    hint ? el("div", { class: "nhsuk-hint", id: hintId, text: hint }) : null,
    el("select", { class: "nhsuk-select", id, name, "aria-describedby": hintId }, options));
}
