/* Search-as-you-type for the list filters' stakeholder selects (`LookupSelect`): the page
   sends only the chosen stakeholder; the others come from `data-lookup` (the user's own
   registry, by the names they may see) as the user types. Without this script the select
   keeps working with the chosen one. */
(function () {
  "use strict";

  function enhance(select) {
    if (typeof window.TomSelect !== "function") {
      return;
    }
    var url = select.dataset.lookup;
    var communities = select.dataset.lookupCommunities === "1";
    var site = select.dataset.lookupSite;
    var widget = new window.TomSelect(select, {
      valueField: "value",
      labelField: "text",
      searchField: ["text"],
      maxItems: 1,
      preload: "focus",
      loadThrottle: 250,
      load: function (query, callback) {
        var params = new URLSearchParams({ q: query });
        if (communities) {
          params.set("communities", "1");
        }
        if (site) {
          params.set("site", site);
        }
        fetch(url + "?" + params.toString(), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (response) {
            return response.ok ? response.json() : { results: [] };
          })
          .then(function (data) {
            callback(data.results);
          })
          .catch(function () {
            callback();
          });
      },
    });
    // Tom Select points the label at its own search box; the select it keeps in sync keeps
    // the label's name too (as on the engagement form).
    var label = document.querySelector("label[for='" + widget.control_input.id + "']");
    if (label && label.id) {
      select.setAttribute("aria-labelledby", label.id);
    }
  }

  document.querySelectorAll("select[data-lookup]").forEach(enhance);
})();
