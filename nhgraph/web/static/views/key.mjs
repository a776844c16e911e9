// The key view is the form in index.html (wired by app.mjs); showing it focuses the input.
export async function show() {
  document.getElementById("key-input").focus();
}
