// The ticket page keeps itself current: every few seconds it asks the hub where the ticket stands
// (a small JSON answer) and redraws that part; when the ticket changes state (called, served) it
// reloads the page, which then offers what fits (the rating form). Without JavaScript the page
// refreshes itself (<noscript> meta refresh) and has a refresh button.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.fetch) { return; }
  var hint = document.querySelector(".js-only");
  if (hint) { hint.hidden = false; }
  var every = 5000;
  function poll() {
    fetch(live.dataset.feed, {headers: {"Accept": "application/json"}, cache: "no-store"})
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (now) {
        if (!now) { return; }
        if (now.state !== live.dataset.state) { window.location.reload(); return; }
        live.innerHTML = now.live;
      })
      .catch(function () { /* the Wi-Fi dropped: try again at the next tick */ })
      .then(function () { window.setTimeout(poll, every); });
  }
  window.setTimeout(poll, every);
}());
