// Inlined in every page's <head> (its hash is in the CSP). The page's scripts only make a working page
// live, so they start once the page has loaded and painted: a slow phone shows the page first. htmx 2
// starts on DOMContentLoaded or in a loaded document; this adds it to a loaded one. <html> says
// data-scripts="ready" once they have run.
(function (d, w) {
  "use strict";
  var root = d.documentElement, me = d.currentScript, painted = false, loaded = false, started = false;
  root.classList.add("has-js");
  function start() {
    if (started || !painted || !loaded) return;
    started = true;
    var sources = me.getAttribute("data-scripts").split(" "), last;
    sources.forEach(function (src) {
      last = d.createElement("script");
      last.src = src;
      last.async = false;  // in order: htmx first
      d.head.appendChild(last);
    });
    last.addEventListener("load", function () { root.setAttribute("data-scripts", "ready"); });
  }
  w.addEventListener("load", function () { loaded = true; start(); });
  var types = (w.PerformanceObserver && w.PerformanceObserver.supportedEntryTypes) || [];
  if (types.indexOf("paint") < 0) {
    painted = true;
  } else {
    new w.PerformanceObserver(function (list, observer) {
      observer.disconnect();
      painted = true;
      start();
    }).observe({type: "paint", buffered: true});
  }
})(document, window);
