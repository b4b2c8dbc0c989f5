// Pin Kiosk scan page behaviour. The page works without this file (plain forms); with it:
// - the scan field keeps focus, and takes it back after every swap;
// - a keyboard-wedge scanner's payload is sent on Enter, on Tab, or after ~100 ms of silence;
// - Enter in the empty scan field hands out the pin of a green verdict;
// - the page reloads after the idle timeout so that the server's logout shows.
(function () {
  "use strict";
  var SILENCE_MS = 100;     // a scanner that sends no terminator goes quiet this long
  var SCANNER_GAP_MS = 35;  // keys closer together than this on average come from a scanner
  var PAUSE_MS = 500;       // a pause this long starts a new run of keys
  var MIN_BURST = 6;        // a scan is at least this many keys

  function field() { return document.getElementById("payload"); }
  var silenceTimer = null, lastInput = 0, burst = 0, burstStart = 0;

  function submitScan() {
    clearTimeout(silenceTimer);
    burst = 0;
    var f = field();
    if (!f || !f.value.trim()) return;
    document.getElementById("scan-form").requestSubmit();
  }

  function handOut() {
    var form = document.getElementById("hand-out-form");
    if (form && !form.querySelector("button[disabled]")) form.requestSubmit();
  }

  function isControl(el) {
    return el && el !== document.body && el.matches("input, select, textarea, button, a, summary");
  }

  document.addEventListener("keydown", function (e) {
    var f = field();
    if (!f || e.target !== f) return;
    if (e.key === "Enter") {
      e.preventDefault();
      if (f.value.trim()) submitScan(); else handOut();
    } else if (e.key === "Tab" && f.value.trim() && isScanner()) {
      e.preventDefault();  // scanners configured to end with Tab
      submitScan();
    }
  });

  document.addEventListener("input", function (e) {
    var f = field();
    if (!f || e.target !== f) return;
    var now = performance.now();
    if (burst === 0 || now - lastInput > PAUSE_MS) { burst = 0; burstStart = now; }
    burst += 1;
    lastInput = now;
    clearTimeout(silenceTimer);
    if (isScanner()) silenceTimer = setTimeout(submitScan, SILENCE_MS);
  });

  // A scanner by the average pace of the run, so that one late key (a busy PC) does not turn a
  // scan into typing and leave it unsent.
  function isScanner() {
    return burst >= MIN_BURST && (lastInput - burstStart) / (burst - 1) < SCANNER_GAP_MS;
  }

  function refocus() {
    var f = field();
    if (f && !isControl(document.activeElement)) f.focus();
  }

  // A badge image: choosing a file, or dropping one anywhere on the page, checks it at once.
  function checkImage(files) {
    var form = document.getElementById("image-form");
    var input = document.getElementById("badge-image");
    if (!form || !input || !files || !files.length) return;
    if (input.files !== files) {
      var list = new DataTransfer();
      list.items.add(files[0]);
      input.files = list.files;
    }
    form.requestSubmit();
  }
  document.addEventListener("change", function (e) {
    if (e.target && e.target.id === "badge-image") checkImage(e.target.files);
  });
  document.addEventListener("dragover", function (e) {
    if (!document.getElementById("image-form")) return;
    e.preventDefault();
    document.body.classList.add("dropping");
  });
  document.addEventListener("dragleave", function (e) {
    if (!e.relatedTarget) document.body.classList.remove("dropping");
  });
  document.addEventListener("drop", function (e) {
    if (!document.getElementById("image-form")) return;
    e.preventDefault();
    document.body.classList.remove("dropping");
    checkImage(e.dataTransfer && e.dataTransfer.files);
  });

  document.addEventListener("focusout", function (e) {
    if (e.target === field() && !isControl(e.relatedTarget)) setTimeout(refocus, 0);
  });
  document.addEventListener("click", function () { setTimeout(refocus, 0); });
  window.addEventListener("focus", refocus);

  // The status bar polls for its badges; that is not the person doing anything, so it must
  // not clear messages, empty the scan field or hold off the idle logout.
  function fromPoll(evt) {
    var d = evt.detail || {};
    var elt = d.elt || (d.requestConfig && d.requestConfig.elt);
    return !!(elt && elt.closest && elt.closest("[data-status-poll]"));
  }

  // A new request clears the error of the last one (errors land in #messages).
  document.addEventListener("htmx:beforeRequest", function (evt) {
    if (fromPoll(evt)) return;
    var messages = document.getElementById("messages");
    if (messages) messages.textContent = "";
  });

  document.addEventListener("htmx:afterSettle", function (evt) {
    if (fromPoll(evt)) return;
    var image = document.getElementById("image-form");
    if (image) image.reset();  // the same image can be chosen again for the next person
    var f = field();
    if (!f) return;
    f.value = "";
    f.focus();
  });

  var idleTimer = null;
  function armIdle() {
    var seconds = parseInt(document.body.dataset.idleSeconds || "0", 10);
    clearTimeout(idleTimer);
    if (seconds > 0) idleTimer = setTimeout(function () { window.location.reload(); }, (seconds + 5) * 1000);
  }
  document.addEventListener("htmx:afterRequest", function (evt) {
    if (!fromPoll(evt)) armIdle();
  });
  document.addEventListener("DOMContentLoaded", function () { armIdle(); refocus(); });
})();
