// Byline console: small enhancements only; every page works without this file.
(function () {
  "use strict";
  // The server's clock may not be the browser's (the demo runs in simulated time): count from
  // the offset between them, taken when the page arrived.
  var serverNow = Date.parse(document.body ? document.body.getAttribute("data-now") || "" : "");
  var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
  // Countdowns: <span data-countdown="ISO-8601" data-units="d,h,m,s" data-over="text">.
  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var end = Date.parse(el.getAttribute("data-countdown"));
      if (isNaN(end)) return;
      var left = Math.floor((end - (Date.now() + skew)) / 1000);
      if (left <= 0) { el.textContent = el.getAttribute("data-over") || "0"; return; }
      var u = (el.getAttribute("data-units") || "d,h,m,s").split(",");
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600),
          m = Math.floor(left % 3600 / 60), s = left % 60;
      el.textContent = d + u[0] + " " + h + u[1] + " " + m + u[2] + " " + s + u[3];
    });
  }
  // Select-all boxes: <input type=checkbox data-check-all="name">.
  document.addEventListener("change", function (e) {
    var name = e.target.getAttribute && e.target.getAttribute("data-check-all");
    if (!name) return;
    document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
      box.checked = e.target.checked;
    });
  });
  // Live parts: <section data-refresh="URL" data-every="seconds"> takes the HTML the URL answers
  // (the same part, rendered again) every few seconds; it stops once the session is over.
  function refresh(el) {
    var every = 1000 * (parseFloat(el.getAttribute("data-every")) || 5);
    var timer = setInterval(function () {
      if (document.hidden) return;
      fetch(el.getAttribute("data-refresh"), { credentials: "same-origin", redirect: "manual" })
        .then(function (r) {
          if (r.status !== 200) { clearInterval(timer); return null; }
          return r.text();
        })
        .then(function (html) { if (html !== null) el.innerHTML = html; })
        .catch(function () { /* the server away: try again next time */ });
    }, every);
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
    document.querySelectorAll("[data-refresh]").forEach(refresh);
  });
})();
