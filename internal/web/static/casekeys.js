// The case page's keyboard shortcuts: r reply, n internal note, p make a promise, j/k the next
// or previous case of the inbox the agent came from, u the inbox, ? the list of keys. The page
// works without them.
"use strict";
(function () {
  var page = document.querySelector(".casepage");
  var help = document.getElementById("keys-help");
  if (!page || !help) { return; }
  var caseID = page.getAttribute("data-case");
  var hint = document.querySelector(".keys-hint");
  if (hint) { hint.hidden = false; }

  function typing(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }
  function showHelp(on) {
    help.hidden = !on;
    if (on) { help.querySelector(".keys-close").focus(); }
  }
  help.querySelector(".keys-close").addEventListener("click", function () { showHelp(false); });

  // The composer with public or internal visibility, the cursor in its box.
  function compose(visibility) {
    var box = document.getElementById("reply");
    if (!box) { return; }
    var radio = document.querySelector('#reply-form input[name="visibility"][value="' + visibility + '"]');
    if (radio) { radio.checked = true; }
    box.scrollIntoView({ block: "center" });
    box.focus();
  }
  function promise() {
    var make = document.getElementById("make-promise");
    if (!make) { return; }
    make.open = true;
    make.scrollIntoView({ block: "start" });
    var due = make.querySelector('input[name="due"]');
    if (due) { due.focus(); }
  }
  // The inbox keeps the order of its cases (inbox.js); j and k walk it from this case.
  function step(by) {
    var list = [];
    try { list = JSON.parse(sessionStorage.getItem("kept.inbox") || "[]"); } catch (e) { list = []; }
    var i = list.indexOf(caseID);
    var next = i >= 0 ? list[i + by] : null;
    window.location.href = next ? "/cases/" + encodeURIComponent(next) : "/inbox";
  }

  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !help.hidden) { showHelp(false); return; }
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) { return; }
    var act = { "r": function () { compose("public"); }, "n": function () { compose("internal"); }, "p": promise,
      "j": function () { step(1); }, "k": function () { step(-1); }, "u": function () { window.location.href = "/inbox"; },
      "?": function () { showHelp(help.hidden); } }[e.key];
    if (act) { e.preventDefault(); act(); }
  });

  // What an action did is read at the top of the screen, wherever the page went back to.
  var flash = document.getElementById("flash");
  if (flash) { flash.setAttribute("tabindex", "-1"); }
})();
