// Lobby kiosk: voice input and read-aloud through the browser's own speech APIs, when the
// browser has them. Without them (or without JavaScript) the page is a plain large form.
(function () {
  "use strict";
  var lang = document.documentElement.lang === "en" ? "en-US" : "ja-JP";
  var Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  var mic = document.querySelector("[data-voice-input]");
  var input = document.getElementById("guide-q");
  if (Recognition && mic && input) {
    mic.hidden = false;
    mic.addEventListener("click", function () {
      var r = new Recognition();
      r.lang = lang;
      r.interimResults = false;
      r.maxAlternatives = 1;
      mic.disabled = true;
      r.onresult = function (ev) {
        input.value = ev.results[0][0].transcript;
        input.form.submit();
      };
      r.onend = function () { mic.disabled = false; };
      r.start();
    });
  }
  var speak = document.querySelector("[data-speak-button]");
  var texts = document.querySelectorAll("[data-speak]");
  if (window.speechSynthesis && speak && texts.length) {
    speak.hidden = false;
    speak.addEventListener("click", function () {
      window.speechSynthesis.cancel();
      var u = new SpeechSynthesisUtterance(Array.prototype.map.call(texts, function (t) { return t.textContent; }).join("。"));
      u.lang = "ja-JP";
      window.speechSynthesis.speak(u);
    });
  }
  // A kiosk returns to the empty question after two idle minutes, for the next visitor.
  var idle;
  function reset() {
    clearTimeout(idle);
    idle = setTimeout(function () {
      if (location.search || document.querySelector("[data-answer]")) location.href = location.pathname;
    }, 120000);
  }
  ["click", "keydown", "touchstart"].forEach(function (e) { document.addEventListener(e, reset); });
  reset();
})();
