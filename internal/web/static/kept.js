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
