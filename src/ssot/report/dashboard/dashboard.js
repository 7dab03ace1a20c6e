// ssot dashboard: sort and filter the families table, open a family to its classes and diffs.
(function () {
  "use strict";
  function cellValue(tbody, index) {
    var cell = tbody.rows[0].cells[index];
    var v = cell.getAttribute("data-value");
    return v === null ? cell.textContent.trim().toLowerCase() : parseFloat(v);
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, index) {
      var button = th.querySelector("button");
      if (!button) return;
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var bodies = Array.prototype.slice.call(table.tBodies);
        bodies.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          var c = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? c : -c;
        });
        bodies.forEach(function (b) { table.appendChild(b); });
      });
    });
  });
  var filter = document.getElementById("family-filter");
  if (filter) {
    var table = document.getElementById("families");
    var status = document.getElementById("family-count");
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase(), shown = 0;
      Array.prototype.forEach.call(table.tBodies, function (b) {
        var hit = !q || b.getAttribute("data-search").indexOf(q) !== -1;
        b.hidden = !hit;
        if (hit) shown++;
      });
      status.textContent = shown + " of " + table.tBodies.length + " families shown";
    });
  }
  document.querySelectorAll("button.toggle").forEach(function (button) {
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", open ? "false" : "true");
      document.getElementById(button.getAttribute("aria-controls")).hidden = open;
    });
  });
})();
