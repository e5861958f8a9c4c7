/* The community perception charts (Chart.js, vendored under static/vendor/). Each canvas
   names the JSON its page carries (Django's json_script) and which of its charts to draw:
   one line per series, 1 (very negative) to 5 (very positive) with the scale's words, and
   the number of findings in the tooltip. The table beside each chart gives the same
   figures; the chart adds nothing the table lacks. */
(function () {
  "use strict";
  if (!window.Chart) {
    return;
  }
  // Okabe-Ito and Tol colours, told apart by colour-blind readers, and a point shape each
  // so that no line is known by its colour alone. "All communities" is dark and dashed.
  var COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#B8860B", "#56B4E9", "#882255", "#6B6B00"];
  var SHAPES = ["circle", "rect", "triangle", "rectRot", "star", "crossRot", "rectRounded", "cross"];
  var OVERALL = "#212529";
  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function dataset(series, index) {
    var colour = series.overall ? OVERALL : COLOURS[index % COLOURS.length];
    return {
      label: series.label,
      data: series.means,
      counts: series.counts,
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: series.overall ? 3 : 2,
      borderDash: series.overall ? [6, 4] : [],
      pointStyle: series.overall ? "circle" : SHAPES[index % SHAPES.length],
      // The communities' points a little larger, so one on the overall line still shows.
      pointRadius: series.overall ? 3 : 5,
      pointHoverRadius: series.overall ? 5 : 7,
      spanGaps: true,
      tension: 0
    };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.source);
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var chart = data.charts[Number(canvas.dataset.perceptionChart)];
    if (!chart) {
      return;
    }
    var index = 0;
    var datasets = chart.series.map(function (series) {
      return dataset(series, series.overall ? 0 : index++);
    });
    new window.Chart(canvas, {
      type: "line",
      data: { labels: chart.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reducedMotion ? false : { duration: 300 },
        scales: {
          y: {
            min: 1,
            max: 5,
            ticks: {
              stepSize: 1,
              callback: function (value) {
                var words = data.scale[String(value)];
                return words ? value + " " + words : value;
              }
            }
          }
        },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true } },
          tooltip: {
            callbacks: {
              label: function (context) {
                var count = context.dataset.counts[context.dataIndex];
                return context.dataset.label + ": " + context.parsed.y.toFixed(1) + " (n=" + count + ")";
              }
            }
          }
        }
      }
    });
    canvas.dataset.drawn = "true";
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-perception-chart]").forEach(function (canvas) {
      if (!canvas.dataset.drawn) {
        draw(canvas);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
