// The inbox's keyboard and live updates. Without this file the inbox still works: rows are
// links and the filters are a plain form.
"use strict";
(function () {
  var page = document.querySelector(".inbox-page");
  if (!page) { return; }
  var region = document.getElementById("inbox-rows");
  var selected = null; // the case id of the selected row, kept across refreshes

  function rows() { return Array.prototype.slice.call(region.querySelectorAll("tbody tr[data-case]")); }
  function link(row) { return row.querySelector("a.open"); }
  function current() {
    var list = rows();
    for (var i = 0; i < list.length; i++) {
      if (list[i].getAttribute("data-case") === selected) { return list[i]; }
    }
    return null;
  }
  function select(row, focus) {
    rows().forEach(function (r) { r.classList.remove("sel"); });
    if (!row) { selected = null; return; }
    selected = row.getAttribute("data-case");
    row.classList.add("sel");
    if (focus) { link(row).focus(); }
  }
  function move(by) {
    var list = rows();
    if (!list.length) { return; }
    var i = list.indexOf(current());
    i = i < 0 ? (by > 0 ? 0 : list.length - 1) : Math.max(0, Math.min(list.length - 1, i + by));
    select(list[i], true);
  }
  function typing(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) { return; }
    var row = current();
    switch (e.key) {
      case "j": e.preventDefault(); move(1); break;
      case "k": e.preventDefault(); move(-1); break;
      case "Enter":
        // A focused link opens itself; a selected row without focus opens here.
        if (row && document.activeElement !== link(row)) { e.preventDefault(); window.location.href = link(row).href; }
        break;
      case "r":
        if (row) { e.preventDefault(); window.location.href = link(row).getAttribute("href") + "#reply"; }
        break;
      case "x": // checks the selected case for a bulk action
        var box = row && row.querySelector('input[name="case"]');
        if (box) { e.preventDefault(); box.checked = !box.checked; }
        break;
      case "/":
        var q = document.querySelector('form.search input[name="q"]');
        if (q) { e.preventDefault(); q.focus(); q.select(); }
        break;
    }
  });
  // A click anywhere on a row opens its case (the link itself is the part that works without script).
  region.addEventListener("click", function (e) {
    var row = e.target.closest("tbody tr[data-case]");
    if (!row || e.target.closest("a, button, input, label, td.pick")) { return; }
    window.location.href = link(row).href;
  });
  region.addEventListener("focusin", function (e) {
    var row = e.target.closest("tbody tr[data-case]");
    if (row) { select(row, false); }
  });

  // The filters apply as soon as they change.
  var filter = page.querySelector(".inbox-filter");
  if (filter) {
    filter.classList.add("auto");
    filter.addEventListener("change", function () { filter.submit(); });
  }
  // Bulk actions: "select all" checks every case on the page (the rows' own boxes work without it).
  function bulkBoxes() {
    var all = region.querySelector("input.select-all");
    if (!all) { return; }
    all.hidden = false;
    var boxes = region.querySelectorAll('input[name="case"]');
    all.checked = boxes.length > 0 && Array.prototype.every.call(boxes, function (c) { return c.checked; });
    all.addEventListener("change", function () {
      region.querySelectorAll('input[name="case"]').forEach(function (c) { c.checked = all.checked; });
    });
  }
  bulkBoxes();
  // The order of the cases shown, for the case page's j and k (next and previous case).
  function remember() {
    try { sessionStorage.setItem("kept.inbox", JSON.stringify(rows().map(function (r) { return r.getAttribute("data-case"); }))); } catch (e) { /* private mode */ }
  }
  remember();
  var hint = page.querySelector(".keys");
  if (hint) { hint.hidden = false; }

  // Live updates: the desk says which case changed; the table is fetched again, at most
  // once a second however busy the desk is.
  if (!window.EventSource || !window.fetch) { return; }
  var last = 0, timer = null, busy = false, again = false, stopped = false;
  function partialURL() {
    var q = new URLSearchParams(window.location.search);
    q.set("partial", "1");
    return "/inbox?" + q.toString();
  }
  function refresh() {
    timer = null;
    if (busy) { again = true; return; }
    busy = true;
    last = Date.now();
    var before = {};
    rows().forEach(function (r) { before[r.getAttribute("data-case")] = r.getAttribute("data-updated"); });
    var hadFocus = region.contains(document.activeElement);
    fetch(partialURL(), { credentials: "same-origin", headers: { "X-Kept-Partial": "1" } })
      .then(function (resp) {
        if (resp.status === 401) { stopped = true; if (source) { source.close(); } return null; }
        return resp.ok ? resp.text() : null;
      })
      .then(function (html) {
        if (html === null) { return; }
        var checked = {};
        region.querySelectorAll('input[name="case"]:checked').forEach(function (c) { checked[c.value] = true; });
        region.innerHTML = html;
        region.querySelectorAll('input[name="case"]').forEach(function (c) { c.checked = !!checked[c.value]; });
        bulkBoxes();
        remember();
        rows().forEach(function (r) {
          var id = r.getAttribute("data-case");
          if (before[id] !== r.getAttribute("data-updated")) { r.classList.add("fresh"); }
        });
        var row = current();
        select(row, hadFocus && !!row);
      })
      .catch(function () { /* offline for a moment: the next event tries again */ })
      .then(function () {
        busy = false;
        if (again) { again = false; schedule(); }
      });
  }
  function schedule() {
    if (stopped || timer) { return; }
    timer = setTimeout(refresh, Math.max(0, last + 1000 - Date.now()));
  }
  var source = new EventSource(page.getAttribute("data-live"));
  var opened = false;
  source.addEventListener("case", schedule);
  source.addEventListener("open", function () {
    // Back after a cut (the desk restarted, the laptop slept): changes may have been missed.
    if (opened) { schedule(); }
    opened = true;
    page.setAttribute("data-stream", "open");
  });
})();
