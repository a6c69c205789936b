// Office dashboard (/quan-ly): refresh the live part every few seconds from the hub.
// Without JavaScript the page keeps its refresh button; a lost session reloads the page (log in).
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.fetch) { return; }
  var every = Math.max(2, parseInt(live.getAttribute("data-every"), 10) || 5) * 1000;
  function refresh() {
    fetch(live.getAttribute("data-live"), { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) {
        if (answer.status === 401) { window.location.reload(); return null; }
        return answer.ok ? answer.text() : null;
      })
      .then(function (html) { if (html !== null) { live.innerHTML = html; } })
      .catch(function () { /* the hub is away: keep the figures shown, try again later */ })
      .then(function () { window.setTimeout(refresh, every); });
  }
  window.setTimeout(refresh, every);
}());
