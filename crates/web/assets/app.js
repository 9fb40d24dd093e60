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

  // Show a question only when its condition holds (the server decides again on submit).
  var conditional = Array.prototype.slice.call(document.querySelectorAll("[data-show-if]"));
  function valueOf(form, name) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    if (!inputs.length) return undefined;
    var first = inputs[0];
    if (first.type === "radio") { var c = form.querySelector('[name="' + name + '"]:checked'); return c ? c.value : undefined; }
    if (first.type === "checkbox") {
      if (inputs.length === 1) return first.checked;
      return Array.prototype.filter.call(inputs, function (i) { return i.checked; }).map(function (i) { return i.value; });
    }
    return first.value;
  }
  function same(v, expected) {
    if (Array.isArray(v)) return v.indexOf(String(expected)) >= 0;
    return v !== undefined && String(v) === String(expected);
  }
  function holds(cond, form, prefix) {
    if (cond.all) return cond.all.every(function (c) { return holds(c, form, prefix); });
    if (cond.any) return cond.any.some(function (c) { return holds(c, form, prefix); });
    if (cond.not) return !holds(cond.not, form, prefix);
    var v = valueOf(form, prefix + cond.field);
    if (v === undefined && prefix) v = valueOf(form, cond.field);
    if ("equals" in cond) return same(v, cond.equals);
    if ("not_equals" in cond) return !same(v, cond.not_equals);
    if (cond["in"]) return cond["in"].some(function (e) { return same(v, e); });
    if ("checked" in cond) return (v === true) === cond.checked;
    return true;
  }
  function update() {
    conditional.forEach(function (el) {
      var form = el.closest("form");
      try { el.hidden = !holds(JSON.parse(el.getAttribute("data-show-if")), form, el.getAttribute("data-prefix") || ""); } catch (e) { el.hidden = false; }
    });
  }
  if (conditional.length) {
    document.addEventListener("change", update);
    document.addEventListener("input", update);
    update();
  }

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

// AI総合案内 on every page: answer in place instead of opening /guide (which works without this).
(function () {
  "use strict";
  var form = document.querySelector("[data-guide-widget]");
  var out = document.querySelector("[data-guide-output]");
  if (!form || !out || !window.fetch) return;
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function link(text, href) { var a = el("a", text); a.href = href; return a; }
  form.addEventListener("submit", function (ev) {
    var input = form.querySelector("input[name=q]");
    var q = input ? input.value.trim() : "";
    if (!q) return;
    ev.preventDefault();
    fetch("/api/v1/guide/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question: q, channel: "web" })
    }).then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); }).then(function (a) {
      var turn = el("div", null, "guide-turn");
      turn.appendChild(el("p", a.question, "q"));
      turn.appendChild(el("p", a.answer || "", "answer-text"));
      var choices = (a.clarification && a.clarification.choices) || [];
      if (choices.length) {
        var ul = el("ul", null, "choices");
        choices.forEach(function (c) {
          var li = el("li");
          li.appendChild(link(c.title, (c.kind === "procedure" ? "/procedures/" : "/guide/sources/") + encodeURIComponent(c.id)));
          ul.appendChild(li);
        });
        turn.appendChild(ul);
      }
      if (a.answered && a.citations && a.citations.length) {
        var p = el("p", out.getAttribute("data-label-sources") + "：");
        a.citations.forEach(function (c, i) {
          if (i) p.appendChild(document.createTextNode("、"));
          p.appendChild(link(c.title, "/guide/sources/" + encodeURIComponent(c.id)));
        });
        turn.appendChild(p);
      }
      if (a.department) {
        var d = el("p", out.getAttribute("data-label-department") + "：" + a.department.name + (a.department.phone ? "（" + a.department.phone + "）" : ""));
        turn.appendChild(d);
      }
      if (!a.answered) {
        // The full page offers the handoff; the question goes there by POST, not in a URL.
        var more = document.createElement("form");
        more.method = "post";
        more.action = "/guide";
        var hidden = document.createElement("input");
        hidden.type = "hidden"; hidden.name = "q"; hidden.value = q;
        var go = el("button", out.getAttribute("data-label-more"), "button-link");
        go.type = "submit";
        more.appendChild(hidden); more.appendChild(go);
        turn.appendChild(more);
      }
      out.appendChild(turn);
      input.value = "";
    }).catch(function () {
      out.appendChild(el("p", out.getAttribute("data-label-error"), "error-message"));
    });
  });
})();
