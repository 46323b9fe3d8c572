// The engine page: reads /metrics.json once a second, keeps the samples of the last ten minutes,
// and computes every rate here, over the window chosen (docs/architecture.md#metrics-path, "The engine page").
// /metrics.json holds raw counters summed per (engine, worker); this script sums the workers of
// each engine. No framework; uPlot (served from this jar) draws the charts, and without it the
// numbers and the raw JSON are still shown.
"use strict";

(function () {
  const SAMPLE_MS = 1000;
  const KEEP_MS = 10 * 60 * 1000;
  const COLORS = { epoll: "#1f77b4", io_uring: "#d62728" };
  const FALLBACK_COLORS = ["#2ca02c", "#9467bd", "#8c564b"];
  const MEANING = {
    epoll: "epoll (reactor): epoll_wait says which sockets are ready, then the loop makes a read and a send " +
      "(or sendfile) for each request itself: about 2-3 syscalls per request, each a kernel entry and exit.",
    io_uring: "io_uring (proactor): the loop queues its receives and sends as SQEs and one io_uring_enter " +
      "submits them all and waits for their completions (CQEs): syscalls per request are 1 / (requests per " +
      "enter), below 1 under load; CPU per request is usually 10-25% below epoll on small files."
  };

  const samples = [];   // {t: seconds, byEngine: {engine: totals}, doc}
  const charts = {};
  let windowSeconds = 10;

  // ---- the measures, each computed from two samples' totals of one engine
  const requests = (c) => sumOf(c["uringhttpd_requests_total"]);
  const MEASURES = [
    { id: "requests_per_second", label: "Requests/s", digits: 0, per: (d) => d.requests / d.seconds },
    { id: "syscalls_per_request", label: "Syscalls per request", digits: 2,
      per: (d) => d.delta(sumOf, "uringhttpd_syscalls_total") / d.requests },
    { id: "wakeups_per_request", label: "Wakeups per request", digits: 2,
      per: (d) => d.delta(sumOf, "uringhttpd_loop_wakeups_total") / d.requests },
    { id: "events_per_wakeup", label: "Events (epoll) or CQEs (io_uring) per wakeup", digits: 2,
      per: (d) => d.mean("uringhttpd_events_per_wakeup") },
    { id: "sqes_per_submit", label: "SQEs per submit (io_uring)", digits: 2,
      per: (d) => d.mean("uringhttpd_sqes_per_submit") },
    { id: "context_switches_per_request", label: "Context switches per request (loop)", digits: 3,
      per: (d) => d.delta(sumOf, "uringhttpd_loop_context_switches_total") / d.requests },
    { id: "loop_cpu_us_per_request", label: "CPU µs per request, event loop", digits: 2,
      per: (d) => 1e6 * d.delta(sumOf, "uringhttpd_loop_cpu_seconds_total") / d.requests },
    { id: "worker_cpu_us_per_request", label: "CPU µs per request, whole worker", digits: 2,
      per: (d) => 1e6 * d.delta(sumOf, "uringhttpd_worker_cpu_seconds_total") / d.requests },
    { id: "latency_p50_ms", label: "Latency p50 (ms)", digits: 3,
      per: (d) => 1e3 * d.quantile("uringhttpd_request_duration_seconds", 0.5) },
    { id: "latency_p99_ms", label: "Latency p99 (ms)", digits: 3,
      per: (d) => 1e3 * d.quantile("uringhttpd_request_duration_seconds", 0.99) }
  ];
  // Rows of text: what the per-request numbers are made of.
  const DETAILS = [
    { id: "syscalls_by_name", label: "Which syscalls, per request", text: (d) =>
      top(d.deltaByLabel("uringhttpd_syscalls_total"), (v) => v / d.requests, 2, 7) },
    { id: "body_bytes_by_path", label: "Body bytes/s by path", text: (d) =>
      top(d.deltaByLabel("uringhttpd_body_bytes_total"), (v) => v / d.seconds, 0, 5, bytes) },
    { id: "bytes_by_encoding", label: "Body bytes/s by encoding", text: (d) =>
      top(d.deltaByLabel("uringhttpd_encoded_body_bytes_total"), (v) => v / d.seconds, 0, 4, bytes) },
    { id: "cache_hits", label: "Cache hits", text: (d) => [
      hitRatio("open files", d.delta(sumOf, "uringhttpd_open_file_cache_hits_total"),
        d.delta(sumOf, "uringhttpd_open_file_cache_misses_total")),
      hitRatio("compressed variants", d.delta(sumOf, "uringhttpd_compression_cache_hits_total"),
        d.delta(sumOf, "uringhttpd_compression_cache_misses_total"))].join(" · ") }
  ];

  function sumOf(v) {
    if (v === undefined || v === null) return 0;
    if (typeof v === "number") return v;
    let s = 0;
    for (const k in v) s += v[k];
    return s;
  }

  // ---- summing the workers of each engine
  function addInto(target, source) {
    for (const name in source) {
      const v = source[name];
      if (typeof v === "number") {
        target[name] = (target[name] || 0) + v;
      } else {
        const t = target[name] || (target[name] = {});
        for (const k in v) t[k] = (t[k] || 0) + v[k];
      }
    }
  }

  function byEngine(doc) {
    const out = {};
    for (const s of doc.series) {
      const e = out[s.engine] || (out[s.engine] = { counters: {}, gauges: {}, histograms: {} });
      addInto(e.counters, s.counters);
      if (s.live) addInto(e.gauges, s.gauges);
      for (const name in s.histograms) {
        const h = s.histograms[name];
        const t = e.histograms[name] || (e.histograms[name] = { le: h.le, counts: h.counts.map(() => 0), sum: 0 });
        h.counts.forEach((c, i) => { t.counts[i] += c; });
        t.sum += h.sum;
      }
    }
    return out;
  }

  // ---- differences between two samples of one engine
  function difference(newer, older, seconds) {
    const a = newer.counters, b = older.counters;
    return {
      seconds: seconds,
      requests: requests(a) - requests(b),
      delta: (f, name) => f(a[name]) - f(b[name]),
      deltaByLabel: (name) => {
        const out = {};
        const x = a[name] || {}, y = b[name] || {};
        for (const k in x) out[k] = x[k] - (y[k] || 0);
        return out;
      },
      mean: (name) => {
        const h = newer.histograms[name], g = older.histograms[name];
        if (!h || !g) return NaN;
        const n = sumOf(h.counts) - sumOf(g.counts);
        return n > 0 ? (h.sum - g.sum) / n : NaN;
      },
      quantile: (name, q) => {
        const h = newer.histograms[name], g = older.histograms[name];
        if (!h || !g) return NaN;
        return quantile(q, h.le, h.counts.map((c, i) => c - g.counts[i]));
      }
    };
  }

  // As Prometheus's histogram_quantile: linear within the bucket the rank falls in.
  function quantile(q, le, counts) {
    const total = counts.reduce((x, y) => x + y, 0);
    if (total <= 0) return NaN;
    const rank = q * total;
    let below = 0;
    for (let i = 0; i < counts.length; i++) {
      if (below + counts[i] >= rank && counts[i] > 0) {
        const lower = i === 0 ? 0 : le[i - 1];
        const upper = le[i];
        if (upper === "+Inf") return lower;
        return lower + (upper - lower) * (rank - below) / counts[i];
      }
      below += counts[i];
    }
    return le[le.length - 2];
  }

  // The sample that starts the window ending at sample i: the newest one at least `seconds` older.
  function windowStart(i, seconds) {
    for (let j = i - 1; j >= 0; j--) {
      if (samples[i].t - samples[j].t >= seconds - 0.25) return j;
    }
    return 0;
  }

  function measure(i, engine) {
    const j = windowStart(i, windowSeconds);
    if (j === i) return null;
    const newer = samples[i].byEngine[engine], older = samples[j].byEngine[engine];
    if (!newer || !older) return null;
    return difference(newer, older, samples[i].t - samples[j].t);
  }

  // ---- formatting
  function format(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return "–";
    return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }

  function bytes(v) {
    if (!isFinite(v)) return "–";
    const units = ["B", "KiB", "MiB", "GiB"];
    let u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return v.toFixed(u === 0 ? 0 : 1) + " " + units[u];
  }

  function top(values, scale, digits, count, fmt) {
    const rows = Object.keys(values).map((k) => [k, scale(values[k])]).filter((r) => r[1] > 0);
    rows.sort((x, y) => y[1] - x[1]);
    if (rows.length === 0) return "–";
    return rows.slice(0, count).map((r) => r[0] + " " + (fmt ? fmt(r[1]) : format(r[1], digits))).join(" · ");
  }

  function hitRatio(what, hits, misses) {
    const n = hits + misses;
    return what + " " + (n > 0 ? format(100 * hits / n, 1) + "%" : "–");
  }

  function color(engine, k) {
    return COLORS[engine] || FALLBACK_COLORS[k % FALLBACK_COLORS.length];
  }

  // ---- the DOM
  function engines() {
    const last = samples[samples.length - 1];
    return Object.keys(last.byEngine).sort();
  }

  function cell(tag, text, attrs) {
    const el = document.createElement(tag);
    el.textContent = text;
    if (attrs) for (const k in attrs) el.setAttribute(k, attrs[k]);
    return el;
  }

  function renderTable(names) {
    const head = document.querySelector("#now thead tr");
    head.replaceChildren(cell("th", "measure"));
    names.forEach((e) => head.appendChild(cell("th", e, { class: "engine-" + e, "data-engine": e })));
    const body = document.querySelector("#now tbody");
    body.replaceChildren();
    const i = samples.length - 1;
    const ds = names.map((e) => measure(i, e));
    for (const m of MEASURES) {
      const row = cell("tr", "");
      row.appendChild(cell("td", m.label));
      names.forEach((e, k) => {
        const v = ds[k] ? m.per(ds[k]) : NaN;
        row.appendChild(cell("td", format(v, m.digits),
          { "data-engine": e, "data-metric": m.id, "data-value": isFinite(v) ? String(v) : "" }));
      });
      body.appendChild(row);
    }
    for (const x of DETAILS) {
      const row = cell("tr", "");
      row.appendChild(cell("td", x.label));
      names.forEach((e, k) => row.appendChild(cell("td", ds[k] ? x.text(ds[k]) : "–",
        { class: "detail", "data-engine": e, "data-metric": x.id })));
      body.appendChild(row);
    }
    const meaning = document.getElementById("meaning");
    meaning.replaceChildren();
    names.forEach((e) => { if (MEANING[e]) meaning.appendChild(cell("li", MEANING[e])); });
  }

  function renderWorkers(doc) {
    const body = document.querySelector("#workers tbody");
    body.replaceChildren();
    for (const w of doc.workers) {
      const series = doc.series.find((s) => s.worker === String(w.worker) && s.engine === w.engine && s.live);
      const connections = series ? series.gauges["uringhttpd_connections_active"] : NaN;
      const row = cell("tr", "", { "data-worker": String(w.worker) });
      [String(w.worker), String(w.pid), w.engine, String(w.generation),
        format((doc.timeMs - w.startedMs) / 1000, 0) + " s", String(w.restarts),
        format(connections, 0), w.serving ? "yes" : "starting"].forEach((t) => row.appendChild(cell("td", t)));
      body.appendChild(row);
    }
  }

  function renderCharts(names) {
    if (typeof uPlot === "undefined") return false;
    const area = document.getElementById("charts");
    const key = names.join(",");
    const times = samples.map((s) => s.t);
    // Each sample's window, per engine, once for all the charts.
    const windows = names.map((e) => samples.map((s, i) => measure(i, e)));
    for (const m of MEASURES) {
      const data = [times];
      windows.forEach((ds) => data.push(ds.map((d) => {
        const v = d ? m.per(d) : NaN;
        return isFinite(v) ? v : null;
      })));
      let c = charts[m.id];
      if (!c || c.key !== key) {
        if (c) c.plot.destroy();
        const box = document.getElementById("chart-" + m.id) || area.appendChild(cell("div", "", { class: "chart", id: "chart-" + m.id }));
        box.replaceChildren(cell("h3", m.label));
        const opts = {
          width: Math.max(380, Math.min(640, box.clientWidth || 420)), height: 180,
          scales: { x: { time: true } },
          series: [{}].concat(names.map((e, k) => ({ label: e, stroke: color(e, k), width: 2,
            value: (u, v) => format(v, m.digits) }))),
          axes: [{}, { size: 60 }]
        };
        c = charts[m.id] = { key: key, plot: new uPlot(opts, data, box) };
      } else {
        c.plot.setData(data);
      }
    }
    return true;
  }

  function showRaw(doc, why) {
    document.getElementById("raw").hidden = false;
    document.getElementById("raw-json").textContent = JSON.stringify(doc, null, 1);
    setStatus(why);
  }

  function setStatus(text) {
    document.getElementById("status").textContent = text;
  }

  // ---- the loop
  function take(doc) {
    const t = doc.timeMs / 1000;
    samples.push({ t: t, byEngine: byEngine(doc), doc: doc });
    while (samples.length > 2 && (t - samples[0].t) * 1000 > KEEP_MS) samples.shift();
    const names = engines();
    renderTable(names);
    renderWorkers(doc);
    let drawn = false;
    try {
      // A chart needs two samples for its first rate: until then only say whether uPlot is there.
      drawn = samples.length < 2 ? typeof uPlot !== "undefined" : renderCharts(names);
    } catch (e) {
      drawn = false;
    }
    document.body.dataset.samples = String(samples.length);
    document.body.dataset.sampleTime = String(t);
    if (drawn) {
      document.getElementById("raw").hidden = true;
      setStatus(samples.length + (samples.length === 1 ? " sample" : " samples") + "; rates over the last " + windowSeconds + " s; " +
        names.length + " engine(s), " + doc.workers.length + " worker(s).");
    } else {
      showRaw(doc, "Charts unavailable (uPlot did not load): the numbers below, and the last sample as served.");
    }
  }

  async function poll() {
    try {
      const r = await fetch("metrics.json", { cache: "no-store" });
      if (!r.ok) throw new Error("HTTP " + r.status);
      take(await r.json());
    } catch (e) {
      setStatus("Cannot read /metrics.json (" + e.message + "); trying again.");
    }
    setTimeout(poll, SAMPLE_MS);
  }

  document.getElementById("window").addEventListener("change", (ev) => {
    windowSeconds = Number(ev.target.value);
    if (samples.length > 0) take(samples.pop().doc);
  });
  poll();
})();
