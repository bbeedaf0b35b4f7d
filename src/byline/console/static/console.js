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
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
})();
