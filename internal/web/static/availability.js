// My availability: small helps on top of plain forms that work without this script.
"use strict";
(function () {
  // The absence form: say what the chosen kind means, and keep "to" after "from".
  var kind = document.getElementById("absence-kind");
  if (kind) {
    var hints = document.querySelectorAll("#absence-form [data-kind]");
    var showHint = function () {
      hints.forEach(function (h) { h.hidden = h.getAttribute("data-kind") !== kind.value; });
    };
    kind.addEventListener("change", showHint);
    showHint();
    var from = document.querySelector('#absence-form input[name="from"]');
    var to = document.querySelector('#absence-form input[name="to"]');
    if (from && to) {
      from.addEventListener("change", function () {
        to.min = from.value;
        if (to.value && from.value && to.value <= from.value) {
          var d = new Date(from.value);
          if (!isNaN(d)) {
            d.setHours(d.getHours() + 1);
            var pad = function (n) { return (n < 10 ? "0" : "") + n; };
            to.value = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) +
              "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
          }
        }
      });
    }
  }

  // The hand-over form: one colleague for every case still without one.
  var all = document.getElementById("to-all");
  var apply = document.getElementById("apply-all");
  if (all && apply) {
    apply.hidden = false;
    apply.addEventListener("click", function () {
      if (!all.value) { all.focus(); return; }
      document.querySelectorAll("#handover-form select.to-one").forEach(function (s) {
        if (!s.value) { s.value = all.value; }
      });
    });
  }
})();
