// Live progress of a letter's render: polls the JSON API and fills in the counts; when the
// render of a letter shown as not yet done is done, the page is drawn again (with the
// decision form and its hash). No inline script (CSP).
"use strict";
(function () {
  const shown = Array.from(document.querySelectorAll("p.render[data-letter]"));
  if (!shown.length) { return; }
  function fill(element, render) {
    const set = (name, value) => {
      const cell = element.querySelector("." + name);
      if (cell) { cell.textContent = value; }
    };
    set("done", render.done.toLocaleString("en"));
    set("total", render.total.toLocaleString("en"));
    set("rate", String(Math.round(render.rate_per_second)));
    set("eta", render.eta_seconds === null ? "?" : String(render.eta_seconds));
    for (const [language, counts] of Object.entries(render.languages)) {
      const cell = document.getElementById("rendered-" + element.dataset.letter + "-" + language);
      if (cell) { cell.textContent = counts.done + " / " + counts.total; }
    }
  }
  async function poll() {
    let reload = false;
    try {
      for (const element of shown) {
        const reply = await fetch("/api/v1/letters/" + encodeURIComponent(element.dataset.letter),
          { credentials: "same-origin", headers: { "Accept": "application/json" } });
        if (!reply.ok) { continue; }
        const render = (await reply.json()).render;
        if (render.state !== element.dataset.state) { reload = true; }
        fill(element, render);
      }
    } finally {
      if (reload) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
    }
  }
  if (shown.some((element) => element.dataset.state !== "done" && element.dataset.state !== "failed")) {
    window.setTimeout(poll, 1000);
  }
})();
