/*
 * The "log an engagement" page (templates/engagement/engagement_form.html), enhanced.
 * Everything here is optional: without JavaScript the page works with plain selects, all
 * objectives shown, and "add a row" buttons that submit the form for one more row.
 *
 * - The stakeholder and participant pickers become searchable (vendored Tom Select),
 *   with few options drawn at once however large the registry.
 * - The objectives shown follow the categories of the stakeholders chosen (each option
 *   and checkbox carries its category in data-category); the server checks the same rule.
 * - "Raised by" of each concern offers the stakeholders chosen.
 * - "Add a commitment" / "Add a concern" copy the formset's empty row from its <template>
 *   and count it in TOTAL_FORMS, without a round trip and without losing what is typed.
 * - The community perception findings follow the stakeholders chosen: a local community
 *   chosen gets its grid of four indicators (copied from the section's <template>), one
 *   taken out loses it, unless something is typed or stored in it: then it stays in sight
 *   with a note, so nothing is sent (or kept) unseen. Without JavaScript a submit button
 *   shows the grids of the communities chosen.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-engagement-form]");
  if (!form) {
    return;
  }
  var picker = form.querySelector("select[data-picker='stakeholders']");

  function chosenOptions() {
    return picker ? Array.prototype.slice.call(picker.selectedOptions) : [];
  }

  // --- searchable pickers ---------------------------------------------------------------

  function enhance(select, placeholder) {
    if (!select || typeof window.TomSelect !== "function") {
      return;
    }
    select.removeAttribute("size");
    var widget = new window.TomSelect(select, {
      plugins: ["remove_button"],
      maxOptions: 50, // drawn at once; typing narrows the rest down
      searchField: ["text"],
      sortField: [{ field: "$score" }, { field: "text" }],
      placeholder: placeholder,
      hidePlaceholder: true,
      closeAfterSelect: false,
    });
    // Tom Select points the label at its own search box; the select it keeps in sync
    // (hidden from sight, not from assistive technology) keeps the label's name too.
    var label = document.querySelector("label[for='" + widget.control_input.id + "']");
    if (label && label.id) {
      select.setAttribute("aria-labelledby", label.id);
    }
  }

  // --- objectives follow the stakeholders' categories ----------------------------------

  var objectives = form.querySelector("[data-objectives]");

  function showObjectives() {
    if (!objectives) {
      return;
    }
    var categories = {};
    (objectives.dataset.keptCategories || "").split(" ").forEach(function (id) {
      if (id) {
        categories[id] = true;
      }
    });
    chosenOptions().forEach(function (option) {
      categories[option.dataset.category] = true;
    });
    var shown = 0;
    objectives.querySelectorAll("fieldset[data-category]").forEach(function (group) {
      // A group with a ticked objective stays in sight, so nothing is sent unseen.
      var visible =
        categories[group.dataset.category] === true ||
        group.querySelector("input:checked") !== null;
      group.hidden = !visible;
      if (visible) {
        shown += 1;
      }
    });
    var empty = objectives.querySelector("[data-objectives-empty]");
    if (empty) {
      empty.hidden = shown > 0;
    }
  }

  // --- "raised by" offers the stakeholders chosen ----------------------------------------

  function syncRaisedBy(root) {
    var chosen = chosenOptions();
    (root || form).querySelectorAll("select[data-raised-by]").forEach(function (select) {
      var current = select.value;
      var keep = select.selectedOptions[0];
      // The first option is "not named"; the rest are rebuilt.
      while (select.options.length > 1) {
        select.remove(1);
      }
      var present = false;
      chosen.forEach(function (option) {
        var copy = new Option(option.text, option.value, false, option.value === current);
        select.add(copy);
        if (option.value === current) {
          present = true;
        }
      });
      if (current && !present && keep) {
        // A source chosen before stays until the user changes it.
        select.add(new Option(keep.text, keep.value, false, true));
      }
    });
  }

  // --- "add a row" without a round trip -----------------------------------------------------

  function addRow(rows) {
    var template = document.getElementById(rows + "-template");
    var container = document.getElementById(rows + "-rows");
    var total = form.querySelector("input[name='" + rows + "-TOTAL_FORMS']");
    if (!template || !container || !total) {
      return false;
    }
    var index = parseInt(total.value, 10);
    if (isNaN(index)) {
      return false;
    }
    var html = template.innerHTML
      .replace(/__prefix__/g, String(index))
      .replace(/__number__/g, String(index + 1));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    container.appendChild(row);
    total.value = String(index + 1);
    syncRaisedBy(row);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) {
      first.focus();
    }
    return true;
  }

  form.querySelectorAll("[data-formset-add]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (addRow(button.dataset.formsetAdd)) {
        event.preventDefault();
      }
    });
  });

  // --- findings follow the communities chosen ----------------------------------------------

  var findings = form.querySelector("[data-findings]");

  function gridHasContent(grid) {
    var typed = false;
    grid.querySelectorAll("select, textarea").forEach(function (field) {
      if (field.value.trim() !== "") {
        typed = true;
      }
    });
    return typed;
  }

  function addGrid(option, container, template) {
    var holder = document.createElement("div");
    // The community's number only (digits) goes into the markup; its name is set as text.
    holder.innerHTML = template.innerHTML.replace(/__community__/g, option.value);
    var grid = holder.firstElementChild;
    grid.querySelectorAll("[data-community-name]").forEach(function (element) {
      element.textContent = option.text;
    });
    container.appendChild(grid);
    return grid;
  }

  function showFindings() {
    if (!findings) {
      return;
    }
    var container = findings.querySelector("#findings-grids");
    var template = document.getElementById("findings-template");
    if (!container || !template) {
      return;
    }
    var chosen = {};
    chosenOptions().forEach(function (option) {
      if (/^\d+$/.test(option.value)) {
        chosen[option.value] = option;
      }
    });
    var present = {};
    container.querySelectorAll("fieldset[data-finding-community]").forEach(function (grid) {
      var id = grid.dataset.findingCommunity;
      var note = grid.querySelector("[data-finding-removed]");
      if (chosen[id]) {
        present[id] = true;
        if (note) {
          note.hidden = true;
        }
      } else if (gridHasContent(grid)) {
        present[id] = true;
        if (note) {
          note.hidden = false;
        }
      } else {
        grid.remove();
      }
    });
    Object.keys(chosen).forEach(function (id) {
      var option = chosen[id];
      // A local community's option says so (data-community).
      if (!present[id] && option.hasAttribute("data-community")) {
        addGrid(option, container, template);
      }
    });
    var empty = findings.querySelector("[data-findings-empty]");
    if (empty) {
      empty.hidden = container.querySelector("fieldset[data-finding-community]") !== null;
    }
  }

  // --- wiring ----------------------------------------------------------------------------------

  var js = form.querySelector("[data-objectives-js]");
  if (js) {
    js.hidden = false;
  }
  if (picker) {
    enhance(picker, picker.dataset.placeholder || "");
    picker.addEventListener("change", function () {
      showObjectives();
      syncRaisedBy();
      showFindings();
    });
  }
  enhance(form.querySelector("select[data-picker='people']"), "");
  if (objectives) {
    objectives.addEventListener("change", showObjectives);
  }
  showObjectives();
  if (findings) {
    // The grids follow the picker: the button that asks the server for them is not needed.
    var show = findings.querySelector("[data-findings-show]");
    if (show) {
      show.hidden = true;
    }
    showFindings();
  }
})();
