// CarbonDot progressive enhancement. Pages work without it; started by boot.js (the one inline script).
(function () {
  "use strict";
  document.documentElement.classList.add("has-js");
  // Started by boot.js once the page has loaded (or, from an older page, deferred): either way, now or at once.
  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  // Live regions ([data-live]) refresh every 10 s, only while the page is visible.
  setInterval(function () {
    if (document.hidden || !window.htmx) return;
    document.querySelectorAll("[data-live]").forEach(function (el) { window.htmx.trigger(el, "live"); });
  }, 10000);

  // A contents link to a folded section (<details>) opens it.
  function openTarget() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") target.open = true;
  }
  window.addEventListener("hashchange", openTarget);
  ready(openTarget);

  // Typed before the scripts ran (boot.js): the live total catches up once.
  ready(function () {
    var live = document.querySelector("form[data-enter=recalc] [hx-post]");
    if (live && window.htmx && document.documentElement.hasAttribute("data-typed")) window.htmx.trigger(live, "recalc");
  });

  // Enter/Go in a field of a form[data-enter=recalc] (the calculator) recalculates at once: it never presses
  // the form's first button ("Add a trip", "Remove"), nor pays. Not while an IME composes (Chinese input).
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || event.isComposing || field.tagName !== "INPUT" || !field.form) return;
    if (field.form.getAttribute("data-enter") !== "recalc") return;
    event.preventDefault();
    var live = field.closest("[hx-post]");
    if (live && window.htmx) window.htmx.trigger(live, "recalc");
  });


  // Share (Web Share API with the PNG where supported), and copy link. Without the Web Share API the
  // link is copied; without clipboard access the link field is selected for the visitor to copy. Each
  // outcome is said in words in the box's status line (its texts come translated in data-* attributes).
  function shareSay(box, key) {
    var status = box.querySelector(".share-status");
    if (status) status.textContent = box.getAttribute("data-say-" + key) || "";
  }

  function shareOfferField(box) {
    var field = box.querySelector(".link-field");
    if (field) { field.focus(); field.select(); }
    shareSay(box, "select");
  }

  function shareCopy(box, url) {
    if (!navigator.clipboard || !navigator.clipboard.writeText) { shareOfferField(box); return; }
    navigator.clipboard.writeText(url).then(function () { shareSay(box, "copied"); },
                                            function () { shareOfferField(box); });
  }

  function shareNative(box, url) {
    var title = box.getAttribute("data-share-title");
    fetch(box.getAttribute("data-share-image")).then(function (r) { return r.blob(); }).then(function (blob) {
      var file = new File([blob], "carbondot-certificate.png", { type: "image/png" });
      if (navigator.canShare && navigator.canShare({ files: [file] })) {
        return navigator.share({ files: [file], title: title, url: url });
      }
      return navigator.share({ title: title, url: url });
    }).catch(function (error) {
      if (!error || error.name !== "AbortError") shareCopy(box, url); // AbortError: the visitor cancelled
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action]");
    if (!button) return;
    var box = button.closest("[data-share-url]");
    if (!box) return;
    var url = box.getAttribute("data-share-url");
    if (button.getAttribute("data-action") === "share" && navigator.share) shareNative(box, url);
    else shareCopy(box, url);
  });

  // A field with data-limit counts its characters into the element data-counter names, and says when it is
  // past the limit (nothing is cut: the server refuses it with the same limit, keeping the text).
  function countChars(field) {
    var out = document.getElementById(field.getAttribute("data-counter"));
    if (!out) return;
    var limit = Number(field.getAttribute("data-limit")), n = Array.from(field.value).length;
    out.textContent = n.toLocaleString() + " / " + limit.toLocaleString();
    out.classList.toggle("error", n > limit);
  }
  document.addEventListener("input", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-limit")) countChars(event.target);
  });
  ready(function () {
    document.querySelectorAll("[data-limit]").forEach(countChars);
    document.querySelectorAll("[data-copy]").forEach(function (b) { b.hidden = false; });
  });

  // A [data-copy] button (hidden without JavaScript, where the field stays selectable) copies its field.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    field.select();
    var done = function () { button.textContent = button.getAttribute("data-done"); };
    if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, function () {});
  });
})();
