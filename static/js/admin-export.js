/* The export page's "Select all" box (templates/admin/import_export/export.html), wired here
   rather than by an inline onchange attribute, which the Content Security Policy refuses:
   it calls django-import-export's own handler (export_selectable_fields.js). */
"use strict";
document.addEventListener("change", (event) => {
    if (event.target.matches("input.select-toggle") && typeof onSelectToggleChange === "function") {
        onSelectToggleChange(event);
    }
});
