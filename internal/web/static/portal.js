// The customer portal's own script. Every form works without it; it only saves round trips.
"use strict";
(function () {
  // A file over the limit is refused here, before minutes of uploading end in an error.
  document.querySelectorAll("form[data-max-upload]").forEach(function (form) {
    var max = parseInt(form.getAttribute("data-max-upload"), 10);
    var input = form.querySelector('input[type="file"]');
    var note = form.querySelector("[data-too-large]");
    if (!input || !note || !max) { return; }
    var check = function () {
      var f = input.files && input.files[0];
      var tooLarge = !!f && f.size > max;
      note.hidden = !tooLarge;
      return !tooLarge;
    };
    input.addEventListener("change", check);
    form.addEventListener("submit", function (e) { if (!check()) { e.preventDefault(); } });
  });
  // A form is sent once: a second click while the first is on its way does nothing.
  document.querySelectorAll("main form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (e.defaultPrevented) { return; }
      if (form.dataset.sent) { e.preventDefault(); return; }
      form.dataset.sent = "1";
      var b = form.querySelector("button[type=submit]");
      if (b) { setTimeout(function () { b.disabled = true; }, 0); }
    });
  });
  // Coming back to the page (the back button) makes its forms usable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("main form[data-sent]").forEach(function (form) {
      delete form.dataset.sent;
      var b = form.querySelector("button[type=submit]");
      if (b) { b.disabled = false; }
    });
  });
})();
