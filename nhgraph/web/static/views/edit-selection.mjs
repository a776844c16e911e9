// The areas chosen on the map to move between neighbourhoods (the edit view's "Move areas"),
// kept for this tab in sessionStorage so that going from the map to the edit view, or
// reloading, keeps them. Not a route of its own: the map's panel and the edit view use it.
//
// Each area is {id, name, place, placeName, from}: from is the neighbourhood whose footprint
// covers it when chosen (the first, where it is in several). Every change dispatches
// `nhgraph:selection`, and `nhgraph:highlight` so the map outlines the areas chosen.

import { el } from "/static/api.mjs";

const STORE = "nhgraph.edit.selection";

export function selection() {
  try {
    const held = JSON.parse(sessionStorage.getItem(STORE) || "[]");
    return Array.isArray(held) ? held : [];
  } catch {
    return [];
  }
}

function keep(areas) {
  sessionStorage.setItem(STORE, JSON.stringify(areas));
  document.dispatchEvent(new CustomEvent("nhgraph:selection", { detail: { lsoas: areas } }));
  document.dispatchEvent(new CustomEvent("nhgraph:highlight", { detail: { lsoas: areas.map((a) => a.id) } }));
}

export function add(properties) {
  const areas = selection().filter((a) => a.id !== properties.id);
  areas.push({
    id: properties.id,
    name: properties.name,
    place: properties.place,
    placeName: properties.placeName,
    from: properties.neighbourhood || null,
  });
  keep(areas);
}

export function remove(id) {
  keep(selection().filter((a) => a.id !== id));
}

export function clear() {
  keep([]);
}

// The areas a link names (the edit view's `lsoas=...&from=...`), in place of those chosen; a
// name already known is kept.
export function replace(areas) {
  const before = new Map(selection().map((a) => [a.id, a]));
  keep(areas.map((a) => ({ ...(before.get(a.id) || {}), ...a, from: a.from || (before.get(a.id) || {}).from || null })));
}

// Outline the areas chosen on the map (once it is drawn).
export function highlight() {
  document.dispatchEvent(new CustomEvent("nhgraph:highlight", { detail: { lsoas: selection().map((a) => a.id) } }));
}

export function has(id) {
  return selection().some((a) => a.id === id);
}

// The list of areas chosen, with a Remove button each and a count; redrawn on every change.
export function selectionList(idPrefix = "selection") {
  const box = el("div", { class: "app-edit-selection", id: `${idPrefix}-list`, "aria-live": "polite" });
  const draw = () => {
    if (!box.isConnected && box.dataset.drawn) {
      document.removeEventListener("nhgraph:selection", draw);
      return;
    }
    box.dataset.drawn = "1";
    const areas = selection();
    const count = areas.length === 1 ? "1 area chosen to move" : `${areas.length} areas chosen to move`;
    box.replaceChildren(
      el("h3", { class: "nhsuk-heading-s", id: `${idPrefix}-count`, text: count }),
      areas.length
        ? el("ul", { class: "nhsuk-list app-edit-selection__list" }, areas.map((a) =>
          el("li", { "data-lsoa": a.id },
            el("span", { text: `${a.name || a.id} (${a.id})${a.from ? `, now in ${a.from}` : ", in no neighbourhood"}` }),
            " ",
            el("button", {
              type: "button",
              class: "nhsuk-button nhsuk-button--secondary nhsuk-button--small app-edit-remove",
              "aria-label": `Remove ${a.id} from the areas to move`,
              onclick: () => remove(a.id),
            }, "Remove"))))
        : el("p", { class: "nhsuk-body-s", text: "Select an area on the map, then choose “Add to the areas to move”." }),
    );
  };
  document.addEventListener("nhgraph:selection", draw);
  draw();
  return box;
}

// What the map's LSOA panel shows to someone who may edit: the button, and the list.
export function panelControls(properties) {
  const button = el("button", {
    type: "button",
    class: "nhsuk-button nhsuk-button--secondary nhsuk-button--small",
    id: "map-panel-add",
  });
  const label = () => {
    if (!button.isConnected && button.dataset.drawn) {
      document.removeEventListener("nhgraph:selection", label);
      return;
    }
    button.dataset.drawn = "1";
    const chosen = has(properties.id);
    button.textContent = chosen ? "Added to the areas to move" : "Add to the areas to move";
    button.disabled = chosen;
  };
  button.addEventListener("click", () => {
    add(properties);
    label();
  });
  label();
  document.addEventListener("nhgraph:selection", label);
  return el("div", { class: "app-edit-panel", id: "map-panel-edit" },
    button,
    selectionList("map-selection"),
    el("p", { class: "nhsuk-body-s" }, el("a", { class: "nhsuk-link", href: "#/edit", text: "Move the areas chosen" })),
  );
}
