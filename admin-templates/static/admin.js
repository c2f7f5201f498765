// Small progressive enhancements for the admin; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Ask before a form marked data-confirm is sent.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});
