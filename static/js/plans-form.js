/*
 * The SEP draft page (templates/plans/plan_form.html), enhanced. Everything here is
 * optional: without JavaScript every objective is shown and "Add a line" submits the form
 * for one more row, keeping what was typed; the server checks the same rules.
 *
 * - Each line shows the objectives of the category chosen, or of the stakeholder's
 *   category (each option carries its category in data-category). A group with a ticked
 *   objective stays in sight, so nothing is sent unseen.
 * - "Add a line" copies the formset's empty row from its <template> and counts it in
 *   TOTAL_FORMS, without a round trip.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-plan-form]");
  if (!form) {
    return;
  }

  function chosenCategory(row) {
    var category = row.querySelector("select[data-line-category]");
    if (category && category.value) {
      return category.value;
    }
    var stakeholder = row.querySelector("select[data-line-stakeholder]");
    if (stakeholder && stakeholder.selectedOptions.length) {
      var option = stakeholder.selectedOptions[0];
      if (option.value) {
        return option.dataset.category || "";
      }
    }
    var hidden = row.querySelector("[data-hidden-category]");
    return hidden ? hidden.dataset.hiddenCategory : "";
  }

  function showObjectives(row) {
    var box = row.querySelector("[data-line-objectives]");
    if (!box) {
      return;
    }
    var note = box.querySelector("[data-objectives-js]");
    if (note) {
      note.hidden = false;
    }
    var category = chosenCategory(row);
    box.querySelectorAll("fieldset[data-category]").forEach(function (group) {
      group.hidden = !(
        group.dataset.category === category || group.querySelector("input:checked") !== null
      );
    });
  }

  function wire(row) {
    row.addEventListener("change", function () {
      showObjectives(row);
    });
    showObjectives(row);
  }

  form.querySelectorAll("[data-line-row]").forEach(wire);

  var button = form.querySelector("[data-formset-add='lines']");
  if (button) {
    button.addEventListener("click", function (event) {
      var template = document.getElementById("lines-template");
      var container = document.getElementById("lines-rows");
      var total = form.querySelector("input[name='lines-TOTAL_FORMS']");
      if (!template || !container || !total) {
        return;
      }
      var index = parseInt(total.value, 10);
      if (isNaN(index)) {
        return;
      }
      event.preventDefault();
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML
        .replace(/__prefix__/g, String(index))
        .replace(/__number__/g, String(index + 1));
      var row = holder.firstElementChild;
      container.appendChild(row);
      total.value = String(index + 1);
      wire(row);
      var first = row.querySelector("select, input:not([type=hidden]), textarea");
      if (first) {
        first.focus();
      }
    });
  }
})();
