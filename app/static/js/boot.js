// Inlined in every page's <head> (its hash is in the CSP). The page's scripts only make a working page
// live, so they start once it has painted: a slow phone shows the page first. htmx 2 starts on
// DOMContentLoaded or in a loaded document; added in between, it is told the document is ready. What is
// typed before they run is kept: <html data-typed> tells app.js to recalculate once. <html
// data-scripts="ready"> says they ran.
(function (d, w) {
  "use strict";
  var root = d.documentElement, me = d.currentScript, parsed = false, started = false;
  root.classList.add("has-js");
  d.addEventListener("DOMContentLoaded", function () { parsed = true; });
  d.addEventListener("input", function () { root.setAttribute("data-typed", ""); }, true);
  function start() {
    if (started) return;
    started = true;
    var sources = me.getAttribute("data-scripts").split(" "), last;
    sources.forEach(function (src, i) {
      last = d.createElement("script");
      last.src = src;
      last.async = false;  // in order: htmx first
      if (i === 0) {
        last.addEventListener("load", function () {
          // htmx listened for a DOMContentLoaded that had already passed: say it again.
          if (parsed && d.readyState !== "complete") d.dispatchEvent(new Event("DOMContentLoaded"));
        });
      }
      d.head.appendChild(last);
    });
    last.addEventListener("load", function () { root.setAttribute("data-scripts", "ready"); });
  }
  var types = (w.PerformanceObserver && w.PerformanceObserver.supportedEntryTypes) || [];
  if (types.indexOf("paint") < 0) {
    w.addEventListener("load", start);
  } else {
    new w.PerformanceObserver(function (list, observer) {
      observer.disconnect();
      start();
    }).observe({type: "paint", buffered: true});
  }
})(document, window);
