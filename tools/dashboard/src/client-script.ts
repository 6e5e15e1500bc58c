/**
 * The page's own script (plain JavaScript, run after Chart.js): draws each chart from the JSON
 * beside it, and formats every number, amount, month and time in the reader's locale. Tables are
 * written by the server with raw values in `data-value`, so they read without the script too.
 */
export const CLIENT_SCRIPT = `
(function () {
  "use strict";
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"];
  var locale = (navigator.languages && navigator.languages[0]) || navigator.language || "en";
  var formats = {};
  function numberFormat(kind, currency) {
    var key = kind + ":" + (currency || "");
    if (!formats[key]) {
      formats[key] =
        kind === "money" && currency
          ? new Intl.NumberFormat(locale, { style: "currency", currency: currency })
          : kind === "seconds"
            ? new Intl.NumberFormat(locale, { style: "unit", unit: "second", maximumFractionDigits: 1 })
            : new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
    }
    return formats[key];
  }
  function formatValue(kind, currency, value) {
    if (value === null || value === undefined || value === "") return "";
    if (kind === "time") return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "medium" }).format(new Date(value));
    if (kind === "text") return String(value);
    return numberFormat(kind, currency).format(Number(value));
  }
  function formatLabel(kind, label) {
    if (kind === "month") return new Intl.DateTimeFormat(locale, { year: "numeric", month: "short", timeZone: "UTC" }).format(new Date(label + "-01T00:00:00Z"));
    if (kind === "day") return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(label + "T00:00:00Z"));
    return label;
  }
  document.documentElement.lang = locale;
  document.querySelectorAll("[data-kind]").forEach(function (el) {
    var raw = el.getAttribute("data-value");
    if (raw === null) return;
    el.textContent = formatValue(el.getAttribute("data-kind"), el.getAttribute("data-currency"), raw);
  });
  document.querySelectorAll("[data-label-kind]").forEach(function (el) {
    el.textContent = formatLabel(el.getAttribute("data-label-kind"), el.getAttribute("data-label"));
  });
  var drawn = {};
  document.querySelectorAll("script[data-chart]").forEach(function (node) {
    var model = JSON.parse(node.textContent);
    var canvas = document.getElementById("canvas-" + model.id);
    if (!canvas || typeof Chart === "undefined") return;
    var money = model.series.filter(function (s) { return s.kind === "money"; });
    var axisKind = model.series[0] ? model.series[0].kind : "count";
    var axisCurrency = money.length === 1 ? money[0].currency : undefined;
    var valueAxis = model.horizontal ? "x" : "y";
    var scales = {};
    scales[valueAxis] = {
      type: model.logarithmic ? "logarithmic" : "linear",
      stacked: !!model.stacked,
      beginAtZero: true,
      ticks: { callback: function (v) { return axisKind === "money" && !axisCurrency ? numberFormat("count").format(v) : formatValue(axisKind, axisCurrency, v); } },
    };
    scales[valueAxis === "x" ? "y" : "x"] = { stacked: !!model.stacked };
    drawn[model.id] = new Chart(canvas, {
      type: model.type,
      data: {
        labels: model.labels.map(function (l) { return formatLabel(model.labelKind, l); }),
        datasets: model.series.map(function (s, i) {
          var colour = PALETTE[i % PALETTE.length];
          return {
            label: s.kind === "money" && s.name !== s.currency ? s.name + " (" + s.currency + ")" : s.name,
            data: s.values,
            backgroundColor: colour,
            borderColor: colour,
            borderWidth: model.type === "line" ? 2 : 0,
            pointStyle: ["circle", "rect", "triangle", "rectRot", "star", "crossRot", "rectRounded", "cross"][i % 8],
          };
        }),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: model.horizontal ? "y" : "x",
        scales: scales,
        plugins: {
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var s = model.series[ctx.datasetIndex];
                return ctx.dataset.label + ": " + formatValue(s.kind, s.currency, ctx.raw);
              },
            },
          },
        },
      },
    });
  });
  window.dashboard = { ready: true, locale: locale, charts: drawn };
  document.body.setAttribute("data-ready", "true");
})();
`;
