// What the analysts' and governance views share: a table of the NHS.UK frontend, a CSV built
// in the browser, and the API's refusal shown in its own words with a way to enter a key.
//
// Not a view of its own (the router loads only the views it names): gaps.mjs and sharing.mjs
// import it.

import { el } from "/static/api.mjs";
import { showError } from "/static/app.mjs";

// A table with a caption, a head row of column headers and one header cell per row (the
// row's subject), as the frontend's template writes it. `columns` are {label, numeric};
// `rows` are arrays of cells (each a Node or a string), or {cells, attributes} for the row.
// A table of more than SCROLL rows scrolls within a box of its own (its head row kept in
// view), so a long table does not push the rest of the page far down; the box can be focused
// and scrolled from the keyboard, and is named by the caption.
const SCROLL = 15;

export function table(caption, columns, rows, attributes = {}) {
  const long = rows.length > SCROLL;
  return el("div", long
    ? { class: "app-table-wrap app-table-scroll", tabindex: "0", role: "region", "aria-label": `${caption} (scrolls)` }
    : { class: "app-table-wrap" },
    el("table", { class: "nhsuk-table", ...attributes },
      el("caption", { class: "nhsuk-table__caption nhsuk-table__caption--s", text: caption }),
      el("thead", { class: "nhsuk-table__head" },
        el("tr", { class: "nhsuk-table__row" },
          columns.map((column) => el("th", {
            class: `nhsuk-table__header${column.numeric ? " nhsuk-table__header--numeric" : ""}`,
            scope: "col",
            text: column.label,
          })))),
      el("tbody", { class: "nhsuk-table__body" },
        rows.map((row) => el("tr", { class: "nhsuk-table__row", ...(Array.isArray(row) ? {} : row.attributes) },
          (Array.isArray(row) ? row : row.cells).map((cell, index) => {
            const numeric = columns[index] && columns[index].numeric;
            const attrs = {
              class: `${index === 0 ? "nhsuk-table__header" : "nhsuk-table__cell"}${numeric ? " nhsuk-table__cell--numeric" : ""}`,
            };
            if (index === 0) attrs.scope = "row";
            return el(index === 0 ? "th" : "td", attrs, cell);
          }))))));
}

// One CSV field: numbers as they are; text quoted when it holds a comma, a quote, a line
// break or spaces at either end, its quotes doubled; text that a spreadsheet would read as a
// formula (starting = + - @, or a tab or carriage return) prefixed with an apostrophe.
export function csvValue(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  let text = Array.isArray(value) ? value.map((v) => (v === null ? "" : String(v))).join("; ") : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  if (/[",\r\n]/.test(text) || text !== text.trim()) text = `"${text.replace(/"/g, '""')}"`;
  return text;
}

// The CSV text of a header and rows (arrays of values), lines ended CRLF as RFC 4180 says.
export function toCsv(header, rows) {
  return [header, ...rows].map((row) => row.map(csvValue).join(",")).join("\r\n") + "\r\n";
}

// Offer text as a file to save: a Blob behind an object URL, clicked through <a download>.
export function download(filename, text, type = "text/csv;charset=utf-8") {
  // The byte-order mark lets spreadsheets read the file as UTF-8.
  const url = URL.createObjectURL(new Blob(["\ufeff", text], { type }));
  const link = el("a", { href: url, download: filename, class: "nhsuk-u-visually-hidden", tabindex: "-1" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// A value of a finding's detail shown as words: lists joined, objects by their names or ids.
export function words(value) {
  if (value === null || value === undefined || value === "") return "";
  if (Array.isArray(value)) return value.map(words).filter(Boolean).join(", ");
  if (typeof value === "object") {
    const label = value.name || value.label || value.id;
    const id = value.id || value.neighbourhood || value.int || value.pcn || value.team || value.provider;
    const count = value.practices !== undefined ? ` (${value.practices} practices)` : "";
    if (label && id && label !== id) return `${label} (${id})${count}`;
    if (label || id) return `${label || id}${count}`;
    return Object.values(value).filter((v) => v !== null && typeof v !== "object").join(" ");
  }
  return String(value);
}

// The API refused: its words in the error summary (focused), with a link to enter a key in
// the summary and in the view itself. Nothing of the refused data is kept or shown.
export function refuse(holder, error, needs) {
  showError(error.message);
  const body = document.querySelector("#app-error .nhsuk-error-summary__body");
  if (body && !body.querySelector(".app-error-key")) {
    const links = el("ul", { class: "nhsuk-list nhsuk-error-summary__list app-error-key" },
      el("li", {}, el("a", { href: "#/key", text: `Enter a key with ${needs} rights` })));
    body.append(links);
    // The summary is the app's, shown for other views' errors too: the link is this refusal's.
    window.addEventListener("hashchange", () => links.remove(), { once: true });
  }
  holder.replaceChildren(
    el("div", { class: "nhsuk-inset-text app-refused" },
      el("span", { class: "nhsuk-u-visually-hidden", text: "Information: " }),
      el("p", { text: `The service refused: ${error.message}.` }),
      el("p", {}, "If you have a key with ", needs, " rights, ",
        el("a", { href: "#/key", text: "enter your key" }), " to see this."),
    ),
  );
}
