// Live progress of a send: polls the JSON API, fills in the counts. No inline script (CSP).
"use strict";
(function () {
  const section = document.getElementById("progress");
  if (!section) { return; }
  const url = section.dataset.statusUrl;
  const fields = ["sent", "failed", "held", "total"];
  async function poll() {
    try {
      const reply = await fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } });
      if (reply.ok) {
        const state = await reply.json();
        for (const name of fields) {
          document.getElementById(name).textContent = String(state[name]);
        }
        document.getElementById("rate").textContent = String(state.rate_per_minute);
        document.getElementById("eta").textContent = state.eta_seconds === null ? "-" : String(state.eta_seconds);
      }
      const jobs = await fetch("/api/v1/jobs", { credentials: "same-origin" });
      if (jobs.ok) {
        for (const job of (await jobs.json()).jobs) {
          const cell = document.getElementById("job-" + job.id + "-state");
          if (cell) { cell.textContent = job.state; cell.className = "state " + job.state; }
          const actions = document.getElementById("job-" + job.id + "-actions");
          if (actions && !["queued", "held"].includes(job.state)) { actions.replaceChildren(); }
        }
      }
    } finally {
      window.setTimeout(poll, 1000);
    }
  }
  poll();
})();
