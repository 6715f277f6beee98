// The case page: small helps on top of plain forms that work without this script.
"use strict";
(function () {
  var page = document.querySelector(".casepage");
  if (!page) { return; }
  var caseID = page.getAttribute("data-case");

  // Canned replies: choosing one puts its text in the reply box at once.
  var canned = document.getElementById("canned");
  var box = document.getElementById("reply");
  if (canned && box) {
    var use = document.querySelector("#reply-form button.use");
    if (use) { use.hidden = true; }
    canned.addEventListener("change", function () {
      var opt = canned.options[canned.selectedIndex];
      var body = opt ? opt.getAttribute("data-body") : "";
      if (!body) { return; }
      box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + "\n\n" + body : body;
      box.focus();
    });
  }

  // Files over the desk's attachment limit are refused before the form is sent, in the
  // reader's words (the page's data-too-large), with the text kept in the box.
  var files = document.getElementById("reply-files");
  var filesErr = document.getElementById("reply-files-error");
  if (files && filesErr) {
    files.addEventListener("change", function () {
      var max = parseInt(files.getAttribute("data-max"), 10), total = 0;
      for (var i = 0; i < files.files.length; i++) { total += files.files[i].size; }
      if (max && total > max) {
        filesErr.textContent = files.getAttribute("data-too-large");
        filesErr.hidden = false;
        files.value = "";
      } else {
        filesErr.hidden = true;
        filesErr.textContent = "";
      }
    });
  }

  // #reply (the inbox's "r") puts the cursor in the box; Ctrl/Cmd+Enter sends it.
  if (box) {
    if (location.hash === "#reply") { box.focus(); }
    box.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        box.form.requestSubmit ? box.form.requestSubmit() : box.form.submit();
      }
    });
  }

  // The promise form: how long such promises took, while the agent chooses the due time.
  var form = document.getElementById("promise-form");
  var out = document.getElementById("estimate");
  if (form && out && window.fetch) {
    var due = form.querySelector('input[name="due"]');
    var kind = form.querySelector('select[name="kind"]');
    var seq = 0;
    var ask = function () {
      if (!due.value) { out.textContent = ""; return; }
      var n = ++seq;
      var url = form.getAttribute("data-estimate") + "?kind=" + encodeURIComponent(kind.value) +
        "&due=" + encodeURIComponent(due.value);
      fetch(url, { credentials: "same-origin", headers: { "X-Kept-Partial": "1" } })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (t) { if (n === seq) { out.textContent = t; } })
        .catch(function () { /* no estimate: the form still works */ });
    };
    due.addEventListener("change", ask);
    kind.addEventListener("change", ask);
    if (due.value) { ask(); }
  }

  // Collision notice: who else has this case open, kept current by the live stream, which
  // also keeps this agent present on the case while the page is open.
  var notice = document.getElementById("collision");
  if (notice && window.EventSource && caseID) {
    var template = notice.getAttribute("data-text") || "%s";
    var source = new EventSource("/events?case=" + encodeURIComponent(caseID));
    source.addEventListener("presence", function (ev) {
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (String(msg.case) !== caseID) { return; }
      if (!msg.names || msg.names.length === 0) {
        notice.hidden = true;
        notice.textContent = "";
        return;
      }
      notice.textContent = template.replace("%s", msg.names.join(", "));
      notice.hidden = false;
    });
    // A change to this case by someone else: say so, without losing what is being typed.
    var stale = null;
    source.addEventListener("case", function (ev) {
      if (ev.data !== caseID || stale) { return; }
      stale = document.createElement("p");
      stale.className = "notice changed";
      stale.setAttribute("role", "status");
      var a = document.createElement("a");
      a.href = location.pathname;
      a.textContent = page.getAttribute("data-changed") || "↻";
      stale.appendChild(a);
      notice.parentNode.insertBefore(stale, notice.nextSibling);
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }
})();
