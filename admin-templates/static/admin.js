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

  // Live preview of Markdown fields, rendered by Tether exactly as the API will serve it.
  for (const area of document.querySelectorAll("textarea[data-markdown]")) {
    const token = area.form && area.form.querySelector("input[name=csrf_token]");
    if (!token) continue;
    const preview = document.createElement("div");
    preview.className = "markdown-preview prose";
    preview.setAttribute("aria-label", "Preview");
    area.insertAdjacentElement("afterend", preview);
    let timer = null;
    const render = async () => {
      const body = new URLSearchParams({ csrf_token: token.value, markdown: area.value });
      const response = await fetch("/admin/markdown-preview", { method: "POST", body, credentials: "same-origin" });
      if (response.ok) preview.innerHTML = await response.text(); // sanitized by the server
    };
    area.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(render, 300); });
    render();
  }

  // Promo editor: the preview follows the form as it is typed; choosing a kind that needs a disclosure fills in the
  // site's default disclosure when the field is empty.
  for (const form of document.querySelectorAll("form[data-promo-form]")) {
    const preview = document.querySelector("[data-promo-preview]");
    if (!preview) continue;
    const field = (name) => form.elements.namedItem(name);
    const kind = field("kind");
    const update = () => {
      for (const target of preview.querySelectorAll("[data-preview]")) {
        const input = field(target.dataset.preview);
        if (!input) continue;
        const value = input.value.trim();
        target.textContent = value;
        target.hidden = value === "" && target.dataset.preview !== "title";
      }
      // What each kind means (its rel, whether it needs a disclosure) comes from the server.
      const chosen = kind && kind.selectedOptions[0];
      const needsDisclosure = Boolean(chosen && "needsDisclosure" in chosen.dataset);
      preview.className = `promo promo-${kind ? kind.value : ""}`;
      const rel = chosen ? chosen.dataset.rel : "";
      const link = preview.querySelector("a[data-preview]");
      if (link) link.rel = rel;
      const relText = document.querySelector("[data-preview-rel]");
      if (relText) relText.textContent = rel;
      const missing = preview.querySelector("[data-disclosure-missing]");
      if (missing) missing.hidden = !(needsDisclosure && field("disclosure").value.trim() === "");
      const url = document.querySelector("[data-preview-url]");
      const slug = field("slug");
      if (url && slug) url.textContent = url.textContent.replace(/\/go\/[^/]*$/, `/go/${slug.value.trim()}`);
    };
    if (kind) {
      kind.addEventListener("change", () => {
        const disclosure = field("disclosure");
        const chosen = kind.selectedOptions[0];
        const needsDisclosure = Boolean(chosen && "needsDisclosure" in chosen.dataset);
        if (needsDisclosure && disclosure && disclosure.value.trim() === "") {
          disclosure.value = kind.dataset.defaultDisclosure || "";
        }
        update();
      });
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
  }

  // Publish times: stored and sent in UTC, shown in the editor's own time zone.
  const pad = (n) => String(n).padStart(2, "0");
  const localValue = (d) =>
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  for (const input of document.querySelectorAll("input[type=datetime-local][data-utc]")) {
    if (input.value) input.value = localValue(new Date(input.value + "Z"));
    const label = input.closest("label");
    const hint = label && label.querySelector("[data-timezone-hint]");
    if (hint) hint.textContent = Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";
    input.form.addEventListener("submit", () => {
      if (input.value) input.value = new Date(input.value).toISOString().slice(0, 16);
    });
  }

  // Tags in use: a click adds one to the article's tags.
  for (const chip of document.querySelectorAll("[data-add-tag]")) {
    chip.addEventListener("click", () => {
      const input = chip.closest("label").querySelector("input[data-tags]");
      const tags = input.value.split(",").map((t) => t.trim()).filter(Boolean);
      if (!tags.includes(chip.dataset.addTag)) tags.push(chip.dataset.addTag);
      input.value = tags.join(", ");
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  // Pickers: a filter box narrows the options of its select.
  for (const filter of document.querySelectorAll("input[data-filter]")) {
    const select = filter.form.querySelector(`select[name="${filter.dataset.filter}"]`);
    if (!select) continue;
    filter.hidden = false;
    filter.addEventListener("input", () => {
      const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      let first = null;
      for (const option of select.options) {
        const match = words.every((w) => option.text.toLowerCase().includes(w));
        option.hidden = !match;
        if (match && !first) first = option;
      }
      if (first) select.value = first.value;
    });
  }

  // Blocks can also be dragged into place; their fields travel with them, so Save keeps the order.
  for (const list of document.querySelectorAll("[data-sortable]")) {
    let dragged = null;
    // Only the block's header starts a drag, so text in its fields stays selectable.
    for (const head of list.querySelectorAll(".block-head")) {
      head.title = "Drag to move";
      head.addEventListener("mousedown", () => { head.closest("li").draggable = true; });
    }
    list.addEventListener("dragend", (event) => {
      const li = event.target.closest("li");
      if (li) li.draggable = false;
    });
    list.addEventListener("dragstart", (event) => {
      dragged = event.target.closest("li");
      if (dragged) event.dataTransfer.effectAllowed = "move";
    });
    list.addEventListener("dragover", (event) => {
      const over = event.target.closest("li");
      if (!dragged || !over || over === dragged) return;
      event.preventDefault();
      const after = event.clientY > over.getBoundingClientRect().top + over.offsetHeight / 2;
      over.insertAdjacentElement(after ? "afterend" : "beforebegin", dragged);
    });
    list.addEventListener("drop", (event) => {
      event.preventDefault();
      dragged = null;
      list.closest("form").dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  // Article slugs: proposed from the title while empty, checked for availability as you type.
  for (const input of document.querySelectorAll("input[data-slug-check]")) {
    const status = input.parentElement.querySelector("[data-slug-status]");
    const title = input.form.querySelector("input[name=title]");
    const propose = (text) =>
      text.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 120);
    let timer = null;
    const check = () => {
      const slug = input.value.trim() || (title ? propose(title.value) : "");
      if (!slug) { status.textContent = ""; return; }
      const query = new URLSearchParams({ slug, current: input.dataset.slugCheck });
      fetch(`/admin/articles/slug-check?${query}`, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : null))
        .then((answer) => {
          if (!answer) return;
          status.textContent = `${input.value.trim() ? "" : slug + ": "}${answer.message}`;
          status.classList.toggle("field-error", !answer.ok);
        });
    };
    const later = () => { clearTimeout(timer); timer = setTimeout(check, 300); };
    input.addEventListener("input", later);
    if (title) title.addEventListener("input", () => { if (!input.value.trim()) later(); });
  }
});
