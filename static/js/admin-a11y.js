/* Accessible names for admin widgets that axe-core finds unnamed: Select2 autocompletes
   (the combobox points at an empty box until a value is chosen; the search inputs have no
   label), the filter_horizontal search icons (aria-label without a role), list_editable
   inputs, and django-import-export's "Select all" box. Loaded with defer from
   templates/admin/base_site.html (no inline script: CSP); widgets added later, such as
   inline rows and open dropdowns, are caught by a MutationObserver. */
"use strict";
{
    function labelOf(select) {
        if (!select || !select.id) {
            return null;
        }
        return document.querySelector(`label[for="${CSS.escape(select.id)}"]`);
    }

    function labelText(label, fallback) {
        const text = label ? label.textContent.replace(/:\s*$/, "").trim() : "";
        return text || fallback;
    }

    function nameWidget(container, select) {
        const label = labelOf(select);
        if (label && !label.id) {
            label.id = `${select.id}-label`;
        }
        const combobox = container.querySelector('.select2-selection[role="combobox"]');
        const rendered = container.querySelector(".select2-selection__rendered");
        if (label && combobox) {
            // The field's label, then the chosen value Select2 shows.
            const ids = [label.id];
            if (rendered && rendered.id) {
                ids.push(rendered.id);
            }
            combobox.setAttribute("aria-labelledby", ids.join(" "));
        }
        if (label && rendered && rendered.getAttribute("role") === "textbox") {
            rendered.setAttribute("aria-labelledby", label.id);
        }
        for (const input of container.querySelectorAll(".select2-search__field")) {
            input.setAttribute("aria-label", labelText(label, select.name || "Search"));
        }
    }

    function fix(root) {
        // A Select2 widget sits right after the <select> it stands for.
        for (const container of root.querySelectorAll("select + .select2-container")) {
            nameWidget(container, container.previousElementSibling);
        }
        // An open dropdown is appended to <body>; its results list names the <select>.
        for (const input of root.querySelectorAll(".select2-dropdown .select2-search__field")) {
            const match = /^select2-(.+)-results$/.exec(input.getAttribute("aria-controls") || "");
            const select = match && document.getElementById(match[1]);
            if (select && !input.hasAttribute("aria-label")) {
                input.setAttribute("aria-label", labelText(labelOf(select), select.name));
            }
        }
        // Editable columns of a change list (list_editable): the column header and the
        // row's first column name each input.
        for (const field of root.querySelectorAll(
            "#result_list tbody td:not(.action-checkbox) :is(input, select, textarea):not([type=hidden]):not([aria-label])"
        )) {
            const cell = field.closest("td");
            const header = cell.closest("table").tHead?.rows[0]?.cells[cell.cellIndex];
            const row = cell.closest("tr").querySelector("th");
            const parts = [header, row].map((el) => (el ? el.textContent.trim() : "")).filter(Boolean);
            if (parts.length && !labelOf(field)) {
                field.setAttribute("aria-label", parts.join(": "));
            }
        }
        // django-import-export's "Select all" checkbox: its label points at an id it lacks.
        for (const toggle of root.querySelectorAll("input.select-toggle:not([id])")) {
            const label = toggle.parentElement.querySelector("label[for]");
            if (label && !document.getElementById(label.htmlFor)) {
                toggle.id = label.htmlFor;
            }
        }
        // SelectFilter2's search icons: aria-label is only allowed on an element with a role.
        for (const icon of root.querySelectorAll("span.search-label-icon[aria-label]:not([role])")) {
            icon.setAttribute("role", "img");
        }
    }

    let queued = false;
    function fixSoon() {
        if (!queued) {
            queued = true;
            queueMicrotask(() => {
                queued = false;
                fix(document);
            });
        }
    }

    fix(document);
    new MutationObserver(fixSoon).observe(document.body, {childList: true, subtree: true});
    window.addEventListener("load", fixSoon);
}
