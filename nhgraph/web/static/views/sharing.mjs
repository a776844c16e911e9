// Not built yet: this view is being written.
export async function show(section) {
  if (!section.querySelector(".app-todo")) {
    const note = document.createElement("p");
    note.className = "nhsuk-body app-todo";
    note.textContent = "This view is not available yet.";
    section.append(note);
  }
}
