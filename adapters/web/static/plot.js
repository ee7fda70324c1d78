// Plot page: the URL holds the view (the query parameters of /api/v1/series); the chart draws the bins
// as a min/max band plus a mean line, one y axis per unit, gaps left open, runs and streams as markers.
// Zoom and pan ask the server again, so the tier follows the window; with no stop the view follows live.
"use strict";
(function () {
  const chart = document.getElementById("chart");
  const info = document.getElementById("info");
  const interval = Number(chart.dataset.interval) || 10;
  const colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
  const state = { requests: 0, drawn: 0, drawing: false, lastLive: 0, markers: null };
  // This script runs before the chart library (both deferred, in page order), so the first bins are on
  // their way while the browser still loads the library; deferred scripts have all run by DOMContentLoaded.
  const libraryReady = window.Plotly ? Promise.resolve() : new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve));
  window.ricochetPlot = state;

  const toPlotly = (iso) => iso.replace("T", " ").replace("Z", "");
  const fromPlotly = (text) => new Date(String(text).replace(" ", "T") + "Z").toISOString();

  function params() { return new URLSearchParams(window.location.search); }

  function setView(next, push) {
    const url = "/plot?" + next.toString();
    if (push) window.history.pushState(null, "", url); else window.history.replaceState(null, "", url);
    exports(next);
  }

  function exports(view) {
    const query = view.toString();
    document.getElementById("png").href = "/plot.png?" + query;
    document.getElementById("csv").href = "/api/v1/series.csv?" + query;
    document.getElementById("json").href = "/api/v1/series?" + query;
  }

  function fromForm() {
    const view = new URLSearchParams();
    for (const option of document.getElementById("channels").selectedOptions) {
      const [collection, device, label] = option.value.split("|");
      view.append("label", label); view.append("device", device); view.append("collection", collection);
    }
    const current = params();
    const window_ = document.getElementById("window").value;
    if (window_) view.set("start", window_);
    else for (const key of ["start", "stop"]) if (current.get(key)) view.set(key, current.get(key));
    view.set("points", document.getElementById("points").value || "2000");
    return view;
  }

  async function markers() {
    if (state.markers) return state.markers;
    const found = [];
    const answers = await Promise.all(["runs", "streams"].map((kind) => fetch("/api/v1/" + kind).then((answer) => [kind, answer])));
    for (const [kind, answer] of answers) {
      if (!answer.ok) continue;
      for (const record of await answer.json()) {
        if (record.start_date) found.push({ t: record.start_date, text: kind.slice(0, -1) + " " + record.name + " start" });
        if (record.stop_date) found.push({ t: record.stop_date, text: kind.slice(0, -1) + " " + record.name + " stop" });
      }
    }
    state.markers = found;
    return found;
  }

  function withGaps(series) {
    // A null point between two bins that a reported gap separates: Plotly then breaks the line and the band.
    const points = [];
    let previous = null;
    for (const bin of series.bins) {
      if (previous && series.gaps.some((gap) => previous.t < gap.stop && gap.start < bin.t)) {
        points.push({ t: previous.t, mean: null, min: null, max: null });
      }
      points.push(bin);
      previous = bin;
    }
    return points;
  }

  function figure(answer, start, stop, found) {
    const units = [...new Set(answer.series.map((s) => s.unit))];
    const layout = {
      margin: { t: 30, r: 40 + 60 * Math.max(0, units.length - 1), l: 70, b: 40 },
      xaxis: { type: "date", range: [toPlotly(start), toPlotly(stop)], domain: [0, 1 - 0.07 * Math.max(0, units.length - 2)] },
      legend: { orientation: "h", y: 1.08 }, hovermode: "x unified", dragmode: "zoom", shapes: [], annotations: [],
      uirevision: "keep",
    };
    units.forEach((unit, k) => {
      const axis = { title: { text: unit || "(no unit)" }, zeroline: false };
      if (k > 0) Object.assign(axis, { overlaying: "y", side: "right", anchor: k === 1 ? "x" : "free", position: 1 - 0.07 * (k - 1) });
      layout[k === 0 ? "yaxis" : "yaxis" + (k + 1)] = axis;
    });
    const traces = [];
    answer.series.forEach((series, i) => {
      const colour = colours[i % colours.length];
      const k = units.indexOf(series.unit);
      const yaxis = k === 0 ? "y" : "y" + (k + 1);
      const points = withGaps(series);
      const x = points.map((p) => toPlotly(p.t));
      const name = series.label + " · " + series.device + " (" + series.tier + ")";
      traces.push({ x, y: points.map((p) => p.min), yaxis, mode: "lines", line: { width: 0 }, hoverinfo: "skip", showlegend: false, connectgaps: false });
      traces.push({ x, y: points.map((p) => p.max), yaxis, mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: colour + "33", hoverinfo: "skip", showlegend: false, connectgaps: false });
      traces.push({ x, y: points.map((p) => p.mean), yaxis, mode: points.length > 1 ? "lines" : "markers", name, line: { color: colour, width: 1.5 }, marker: { color: colour }, connectgaps: false });
    });
    for (const marker of found) {
      if (marker.t < start || marker.t > stop) continue;
      const x = toPlotly(marker.t);
      layout.shapes.push({ type: "line", xref: "x", yref: "paper", x0: x, x1: x, y0: 0, y1: 1, line: { color: "#888", dash: "dot", width: 1 } });
      layout.annotations.push({ x, y: 1, xref: "x", yref: "paper", text: marker.text, showarrow: false, textangle: -90, xanchor: "right", yanchor: "top", font: { size: 10, color: "#555" } });
    }
    return { traces, layout };
  }

  async function load() {
    const view = params();
    exports(view);
    if (!view.getAll("label").length) { info.textContent = "Pick one or more labels, then Show."; return; }
    state.requests += 1;
    const found = markers();
    const answer = await fetch("/api/v1/series?" + view.toString());
    const body = await answer.json();
    if (!answer.ok) { info.textContent = "Refused: " + body.error; return; }
    const start = body.series.length ? body.series[0].start : view.get("start");
    const stop = body.series.length ? body.series[0].stop : view.get("stop");
    const { traces, layout } = figure(body, start, stop, await found);
    await libraryReady;
    state.drawing = true;
    try {
      await Plotly.react(chart, traces, layout, { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["toImage"] });
    } finally { state.drawing = false; }
    if (!state.hooked) { chart.on("plotly_relayout", zoomed); state.hooked = true; }
    state.drawn += 1;
    document.body.dataset.drawn = String(state.drawn);
    const tiers = body.series.map((s) => s.label + ": tier " + s.tier + ", " + s.bins.length + " bins").join("; ");
    info.textContent = start.replace("T", " ").slice(0, 19) + " to " + stop.replace("T", " ").slice(0, 19) + " UTC" + (view.get("stop") ? "" : " (live)") + " · " + tiers;
  }

  function zoomed(event) {
    if (state.drawing) return;
    let range = null;
    if ("xaxis.range[0]" in event) range = [event["xaxis.range[0]"], event["xaxis.range[1]"]];
    else if (Array.isArray(event["xaxis.range"])) range = event["xaxis.range"];
    const view = params();
    if (range) {
      view.set("start", fromPlotly(range[0])); view.set("stop", fromPlotly(range[1]));
    } else if (event["xaxis.autorange"]) {
      view.set("start", state.home.start); if (state.home.stop) view.set("stop", state.home.stop); else view.delete("stop");
    } else return;
    setView(view, true);
    load();
  }

  function live() {
    if (params().get("stop")) return;
    const now = Date.now();
    if (now - state.lastLive < interval * 1000) return;
    state.lastLive = now;
    load();
  }

  document.getElementById("view").addEventListener("submit", function (event) {
    event.preventDefault();
    setView(fromForm(), true);
    state.home = { start: params().get("start"), stop: params().get("stop") };
    load();
  });
  window.addEventListener("popstate", load);
  const first = params();
  state.home = { start: first.get("start"), stop: first.get("stop") };
  const picker = document.getElementById("window");
  picker.value = first.get("start") && first.get("start").startsWith("-") && !first.get("stop") ? first.get("start") : "";
  if (picker.selectedIndex < 0) picker.value = "";
  new EventSource("/events").addEventListener("status", live);
  state.lastLive = Date.now();  // this first load is the live tail's too: the first status event asks nothing more
  load();
})();
