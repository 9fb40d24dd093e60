// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Move focus to the error summary so screen readers announce it.
  var summary = document.querySelector("[data-focus]");
  if (summary) summary.focus();

  // Prevent a second click from sending the form twice (the server is idempotent anyway).
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (form.dataset.submitting === "1" && ev.submitter && ev.submitter.hasAttribute("data-prevent-double-click")) {
        ev.preventDefault();
        return;
      }
      form.dataset.submitting = "1";
      setTimeout(function () { form.dataset.submitting = "0"; }, 3000);
    });
  });

  // 郵便番号 → 住所 without a page reload.
  document.querySelectorAll("[data-postal-fills]").forEach(function (input) {
    var target = input.getAttribute("data-postal-fills");
    function fill() {
      var code = input.value.replace(/[^0-9０-９]/g, "").replace(/[０-９]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xfee0); });
      if (code.length !== 7) return;
      fetch("/api/v1/postal-codes/" + code).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (!data || !data.addresses || !data.addresses.length) return;
        var a = data.addresses[0];
        ["prefecture", "city", "town"].forEach(function (k) {
          var el = document.getElementById(target + "-" + k);
          if (el && !el.value) el.value = a[k];
        });
        var block = document.getElementById(target + "-block");
        if (block && !block.value) block.focus();
      }).catch(function () {});
    }
    input.addEventListener("change", fill);
    input.addEventListener("keyup", function () { if (input.value.replace(/[^0-9０-９]/g, "").length === 7) fill(); });
  });
})();
