// Kept's own script for every page. Pages work without it; it only makes them quicker.
"use strict";
(function () {
  // Tell the desk the browser's time zone, so times are shown where the reader is.
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && document.cookie.indexOf("kept_tz=" + tz) < 0) {
      document.cookie = "kept_tz=" + tz + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* an old browser: times stay in the desk's zone */ }
})();

// kept.csrf is the page's form token, for scripts that post.
window.kept = {
  csrf: function () {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }
};

// Agent pickers: the search box above a grouped select hides the agents whose name does not
// match what is typed (and teams left empty), and chooses the first match.
(function () {
  function fold(s) { return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  document.querySelectorAll("input.pick-filter").forEach(function (box) {
    var sel = document.getElementById(box.getAttribute("data-for"));
    if (!sel) { return; }
    box.hidden = false;
    box.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); } });
    box.addEventListener("input", function () {
      var want = fold(box.value.trim());
      var first = null;
      sel.querySelectorAll("optgroup").forEach(function (g) {
        var any = false;
        g.querySelectorAll("option").forEach(function (o) {
          var show = want === "" || fold(o.textContent).indexOf(want) >= 0 || fold(g.label).indexOf(want) >= 0;
          o.hidden = !show;
          o.disabled = !show;
          if (show) { any = true; if (!first) { first = o; } }
        });
        g.hidden = !any;
      });
      var cur = sel.options[sel.selectedIndex];
      if (want !== "" && first && (!cur || cur.hidden || cur.value === "")) { sel.value = first.value; }
    });
  });
})();
