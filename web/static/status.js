// The status page opened from a receipt's QR: /tra-cuu#<code>.<secret>. The part after '#' never
// leaves the phone on its own; this reads it, wipes it from the address bar and history, and posts
// it with the page's form (CSRF token included), as if typed.
(function () {
  "use strict";
  var form = document.getElementById("lookup");
  var fragment = window.location.hash.slice(1);
  if (!form || !fragment) { return; }
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  var match = /^(.+)\.([0-9]{6})$/.exec(decodeURIComponent(fragment));
  if (!match) { return; }
  form.elements.code.value = match[1];
  form.elements.secret.value = match[2];
  form.elements.qr.value = "1";
  document.getElementById("reading").hidden = false;
  form.hidden = true;
  form.submit();
}());
