// Small progressive enhancements for the admin; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Ask before a form marked data-confirm is sent.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
  // Warn before leaving a page whose editor form has unsaved changes.
  for (const form of document.querySelectorAll("form[data-unsaved-warning]")) {
    let dirty = document.querySelector(".notice") !== null;
    form.addEventListener("input", () => { dirty = true; });
    form.addEventListener("submit", () => { dirty = false; });
    window.addEventListener("beforeunload", (event) => {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });
  }
});
