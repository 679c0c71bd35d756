// Progressive enhancement for the signup pages (everything works without it): the waiting page asks
// /auth/signup/<id>/status every few seconds, goes to the portal once the signup completed (the
// server logs this browser in on that poll) and reloads when it ended otherwise; the form preselects
// the browser's time zone.
(function () {
  "use strict";
  var zone = document.getElementById("id_timezone");
  if (zone && zone.value === "UTC" && window.Intl) {
    var mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
    for (var i = 0; i < zone.options.length; i++) {
      if (zone.options[i].value === mine) { zone.value = mine; break; }
    }
  }
  var box = document.querySelector("[data-signup-poll]");
  if (!box || !window.fetch) { return; }
  var line = box.querySelector("[data-signup-status]");
  function poll() {
    fetch(box.getAttribute("data-signup-poll"), {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.redirect) { window.location.assign(body.redirect); return; }
        if (body.status === "pending" || body.status === "approved") { setTimeout(poll, 3000); return; }
        if (line) { line.textContent = body.detail; }
        window.location.reload();
      })
      .catch(function () { setTimeout(poll, 10000); });
  }
  setTimeout(poll, 3000);
})();
