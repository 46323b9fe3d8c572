// uring-httpd demo: shows the response headers of this page, read back with a
// HEAD request, and how long that request took. No libraries, no external calls.
"use strict";

(function () {
  const table = document.getElementById("headers");
  const timing = document.getElementById("timing");
  if (!table) return;

  function row(name, value) {
    const tr = document.createElement("tr");
    const a = document.createElement("td");
    const b = document.createElement("td");
    a.textContent = name;
    b.textContent = value;
    tr.append(a, b);
    return tr;
  }

  const started = performance.now();
  fetch(location.pathname, { method: "HEAD", cache: "no-store" })
    .then(function (response) {
      const ms = performance.now() - started;
      const body = document.createElement("tbody");
      body.append(row("status", response.status + " " + response.statusText));
      response.headers.forEach(function (value, name) { body.append(row(name, value)); });
      table.replaceChildren(body);
      if (timing) {
        timing.textContent = "HEAD " + location.pathname + " answered in " + ms.toFixed(1) +
          " ms (as measured by this browser) at " + new Date().toLocaleTimeString() + ".";
      }
    })
    .catch(function (error) {
      table.replaceChildren(row("error", String(error)));
    });
})();
