// The kiosk's idle reset: back to its home (in the event's language) after
// data-idle seconds with no touch. No inline script (CSP), nothing stored.
(function () {
  "use strict";
  // htmx 2 notes the current path in sessionStorage as it loads (history is off on
  // the kiosk): take it out again, so the shared screen keeps nothing.
  try { window.sessionStorage.removeItem("htmx-current-path-for-history"); } catch (e) { /* storage disabled */ }
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle"), 10) * 1000;
  var home = body.getAttribute("data-home");
  if (!idle || !home || body.getAttribute("data-at-home") === "yes") return;
  var timer;
  function reset() {
    clearTimeout(timer);
    timer = setTimeout(function () { window.location.replace(home); }, idle);
  }
  ["pointerdown", "keydown", "touchstart", "wheel"].forEach(function (name) {
    document.addEventListener(name, reset, { passive: true });
  });
  reset();
})();
