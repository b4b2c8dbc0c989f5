// Pin Kiosk scan page behaviour. The page works without this file (plain forms); with it:
// - the scan field keeps focus, and takes it back after every verdict;
// - a keyboard-wedge scanner's payload is sent on Enter, on Tab, or after ~100 ms of silence;
// - the text of a scan leaves the field the moment it is sent, and nothing else ever empties
//   the field: a poll of the status bar, or the answer to the last scan, cannot cut the next
//   scan or a badge id typed by hand;
// - scans are sent one at a time, in order, after any hand-out in flight: a verdict is never
//   overwritten by an older answer, and every scan reaches the kiosk;
// - Enter in the empty scan field does the verdict's action (hand out, or put on the
//   waitlist), but never while the next proof is being checked;
// - F2 goes to "Find a person" (for a proof with no code that scans), Escape comes back;
// - a short sound says "hand out", "already handed out" or "refused" (sounds.js);
// - a badge image chosen or dropped anywhere on the page is checked at once (badge-images.js);
// - a QR code the camera reads (camera.js) is handed to the same queue as a scanner's scan
//   (PinKiosk.scan): the same request, verdict and sound;
// - a form's answer at the form (Staff logins, the hub's Logins) goes when the next request
//   starts;
// - the page reloads after the idle timeout so that the server's logout shows.
(function () {
  "use strict";
  var SILENCE_MS = 100;     // a scanner that sends no terminator goes quiet this long
  var SCANNER_GAP_MS = 35;  // keys closer together than this on average come from a scanner
  var PAUSE_MS = 500;       // a pause this long starts a new run of keys
  var MIN_BURST = 6;        // a scan is at least this many keys
  var CONTINUE_MS = 150;    // keys this soon after a scan sent on silence are the rest of it
                            // (no one presents the next proof within a quarter of a second)

  function byId(id) { return document.getElementById(id); }
  function field() { return byId("payload"); }
  function verdictBox() { return byId("verdict"); }

  // --- the desk: requests whose answer takes the verdict's place -------------------------
  var queue = [];        // scans typed and not sent yet, oldest first
  var outgoing = null;   // the scan being handed to htmx right now
  var inFlight = 0;      // desk requests sent and not answered yet
  var lastScanAt = 0, lastLookupKeyAt = 0;

  function deskRequest(elt) {
    return !!(elt && elt.closest && elt.closest("[data-desk]"));
  }

  function setChecking(on) {
    var box = verdictBox();
    if (!box) return;
    if (on) box.setAttribute("aria-busy", "true"); else box.removeAttribute("aria-busy");
  }

  function pump() {
    var form = byId("scan-form");
    if (!form || inFlight > 0 || outgoing !== null || !queue.length) return;
    outgoing = queue.shift();
    form.requestSubmit();  // htmx asks configRequest for the values, which sends `outgoing`
  }

  // Take the scan's text out of the field now, and send it when the desk is free.
  function sendScan(text) {
    if (!text || !text.trim()) return;
    lastScanAt = performance.now();
    queue.push(text);
    setChecking(true);
    pump();
  }

  // ``bySilence``: the scanner sent no terminator and went quiet. Should it go on (a Bluetooth
  // scanner that stalls), the rest arrives within moments: it is joined to what was sent, and
  // the whole is checked again, so the verdict is never that of a piece.
  function submitScan(bySilence) {
    clearTimeout(silenceTimer);
    var f = field();
    if (!f) return;
    var text = f.value;
    if (continuing()) text = lastSilent.text + text;
    lastSilent = bySilence === true ? { text: text, at: performance.now() } : null;
    burst = 0;
    f.value = "";
    sendScan(text);
  }

  function continuing() {
    return !!lastSilent && burst > 0 && burstStart - lastSilent.at < CONTINUE_MS;
  }

  // The verdict's action on Enter: hand out (green) or put on the waitlist (out of stock).
  function enterAction() {
    if (inFlight > 0 || queue.length || outgoing !== null) return;  // a newer verdict is coming
    var box = verdictBox();
    var form = box && box.querySelector("form[data-enter-action]");
    if (!form || form.querySelector("button[disabled]")) return;
    if (form.querySelector("[data-needs-choice]") && !form.checkValidity()) {
      form.reportValidity();
      return;
    }
    form.requestSubmit();
  }

  function isControl(el) {
    return el && el !== document.body && el.matches("input, select, textarea, button, a, summary");
  }

  // --- keys ---------------------------------------------------------------------------------
  var silenceTimer = null, lastInput = 0, burst = 0, burstStart = 0;
  var lastSilent = null;  // the last scan sent on silence: {text, at}
  var lookupKeys = [];    // the last keys typed in "Find a person": [time, length before]

  // Where, in the "Find a person" box, the scanner's keys began: the last run of keys closer
  // together than a person types (what the person had typed before it stays).
  function scannerRunStart() {
    var i = lookupKeys.length - 1;
    while (i > 0 && lookupKeys[i][0] - lookupKeys[i - 1][0] < SCANNER_GAP_MS * 2) i -= 1;
    return i >= 0 ? lookupKeys[i][1] : 0;
  }

  // A scanner by the average pace of the run, so that one late key (a busy PC) does not turn a
  // scan into typing and leave it unsent; the rest of a scan sent on silence, however short.
  function isScanner() {
    var pace = burst > 1 ? (lastInput - burstStart) / (burst - 1) : 0;
    if (continuing() && pace < SCANNER_GAP_MS) return true;
    return burst >= MIN_BURST && pace < SCANNER_GAP_MS;
  }

  // A scanner that types into the "Find a person" box (the focus was there): the scan is
  // moved to the scan field's queue, and what the person had typed stays.
  function scanFromLookup() {
    clearTimeout(silenceTimer);
    var box = byId("lookup-q"), f = field();
    if (!box || !f) return;
    var from = scannerRunStart();
    var text = box.value.slice(from);
    box.value = box.value.slice(0, from);
    lookupKeys = [];
    burst = 0;
    f.focus();
    sendScan(text);
  }

  // Key times are when each key was pressed (the event's own time stamp), not when the page got
  // round to it: a page busy for a moment reads a scanner's queued keys late, all at once.
  var keyStamp = 0;

  document.addEventListener("keydown", function (e) {
    var f = field();
    if (!f) return;
    if (e.key && e.key.length === 1) keyStamp = e.timeStamp;
    if (e.key === "F2") {
      var box = byId("lookup-q");
      if (box) { e.preventDefault(); box.focus(); box.select(); }
      return;
    }
    if (e.target && e.target.id === "lookup-q") {
      if ((e.key === "Enter" || e.key === "Tab") && isScanner()) {
        e.preventDefault();
        scanFromLookup();
      } else if (e.key === "Escape") {
        e.preventDefault();
        f.focus();
      } else if (e.key === "ArrowDown") {
        var first = document.querySelector("#verdict [data-lookup] button");
        if (first) { e.preventDefault(); first.focus(); }
      }
      return;
    }
    if (e.key === "Enter" && e.target && e.target.closest &&
        e.target.closest("form[data-enter-action]") && e.target.type === "radio") {
      e.preventDefault();  // Enter on a reason chooses it and hands out
      e.target.checked = true;
      enterAction();
      return;
    }
    var results = e.target && e.target.closest && e.target.closest("#verdict [data-lookup]");
    if (results && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      var buttons = Array.prototype.slice.call(results.querySelectorAll("button"));
      var at = buttons.indexOf(e.target) + (e.key === "ArrowDown" ? 1 : -1);
      e.preventDefault();
      if (at < 0) { byId("lookup-q").focus(); } else if (at < buttons.length) buttons[at].focus();
      return;
    }
    if (results && e.key === "Escape") { e.preventDefault(); f.focus(); return; }
    if (e.target !== f) return;
    if ((e.key === "Enter" || e.key === "Tab") && !f.value && lastSilent &&
        e.timeStamp - lastSilent.at < CONTINUE_MS) {
      e.preventDefault();  // the terminator of a scan that stalled before it: already sent
      lastSilent = null;
      return;
    }
    if (e.key === "Enter") {
      e.preventDefault();
      if (f.value.trim()) submitScan(); else enterAction();
    } else if (e.key === "Tab" && f.value.trim() && isScanner()) {
      e.preventDefault();  // scanners configured to end with Tab
      submitScan();
    }
  });

  document.addEventListener("input", function (e) {
    var f = field(), box = byId("lookup-q");
    var inLookup = box && e.target === box;
    if (!f || (e.target !== f && !inLookup)) return;
    var now = keyStamp || performance.now();  // a paste has no key
    keyStamp = 0;
    if (burst === 0 || now - lastInput > PAUSE_MS) {
      burst = 0;
      burstStart = now;
    }
    burst += 1;
    lastInput = now;
    clearTimeout(silenceTimer);
    if (inLookup) {
      lastLookupKeyAt = now;
      lookupKeys.push([now, Math.max(0, box.value.length - (e.data ? e.data.length : 1))]);
      if (lookupKeys.length > 600) lookupKeys.shift();
    }
    if (isScanner()) silenceTimer = setTimeout(inLookup ? scanFromLookup : silence, SILENCE_MS);
  });

  // The scanner went quiet: send the scan, unless its next keys are already waiting to be read
  // (the page was busy: the quiet was the page's, not the scanner's).
  function silence() {
    var scheduling = navigator.scheduling;
    if (scheduling && scheduling.isInputPending && scheduling.isInputPending()) {
      silenceTimer = setTimeout(silence, 10);
      return;
    }
    submitScan(true);
  }

  function refocus() {
    var f = field();
    if (f && !isControl(document.activeElement)) f.focus();
  }

  document.addEventListener("focusout", function (e) {
    if (e.target === field() && !isControl(e.relatedTarget)) setTimeout(refocus, 0);
  });
  document.addEventListener("click", function () { setTimeout(refocus, 0); });
  window.addEventListener("focus", refocus);

  // --- htmx: what each request is, and what its answer may change ----------------------------
  function requestElt(evt) {
    var d = evt.detail || {};
    return d.elt || (d.requestConfig && d.requestConfig.elt);
  }

  // The status bar polls for its badges; that is not the person doing anything, so it must
  // not clear messages or hold off the idle logout (and it never touches the scan field).
  function fromPoll(evt) {
    var elt = requestElt(evt);
    return !!(elt && elt.closest && elt.closest("[data-status-poll]"));
  }

  document.addEventListener("htmx:configRequest", function (evt) {
    var elt = evt.detail.elt;
    if (!elt || elt.id !== "scan-form") return;
    if (outgoing !== null) {
      evt.detail.parameters.set("payload", outgoing);
      outgoing = null;
    } else {  // the Check button: the text in the field is this scan; it leaves the field now
      var f = field();
      if (f && f.value === evt.detail.parameters.get("payload")) f.value = "";
      lastScanAt = performance.now();
      setChecking(true);
    }
  });

  // A search typed in "Find a person" that a scan has overtaken is not sent: its answer would
  // take the scan's verdict's place.
  document.addEventListener("htmx:confirm", function (evt) {
    var elt = evt.detail.elt;
    if (elt && elt.id === "lookup-form" && lastScanAt > lastLookupKeyAt) evt.preventDefault();
  });

  // A form's answer ("saved", or why not, at the form: templates/partials/_answer.html) is
  // about the last thing sent: the next request clears it, with the marks and links of the
  // field or button it was about, so that an old answer never stands beside the new one.
  function clearAnswers() {
    var notes = document.querySelectorAll("[data-answer]");
    for (var i = 0; i < notes.length; i++) {
      var id = notes[i].id;
      var linked = id ? document.querySelectorAll('[aria-describedby~="' + CSS.escape(id) + '"]') : [];
      for (var j = 0; j < linked.length; j++) {
        var rest = linked[j].getAttribute("aria-describedby").split(/\s+/)
          .filter(function (token) { return token && token !== id; });
        if (rest.length) linked[j].setAttribute("aria-describedby", rest.join(" "));
        else linked[j].removeAttribute("aria-describedby");
        linked[j].removeAttribute("aria-invalid");
      }
      notes[i].remove();
    }
  }

  // The request's end is read off the request itself ("loadend": answered, failed or cut
  // off): the form that sent it may have left the page with the swap, and an event on it
  // would never reach this document.
  document.addEventListener("htmx:beforeRequest", function (evt) {
    if (fromPoll(evt)) return;
    var messages = byId("messages");
    if (messages) messages.textContent = "";  // a new request clears the last one's error
    clearAnswers();
    var elt = requestElt(evt), xhr = evt.detail && evt.detail.xhr;
    var desk = deskRequest(elt), isScan = !!elt && elt.id === "scan-form";
    var config = evt.detail && evt.detail.requestConfig;
    var sent = isScan && config && config.parameters ? config.parameters.get("payload") : null;
    if (desk) inFlight += 1;
    if (!xhr) return;
    var aborted = false;
    xhr.addEventListener("abort", function () { aborted = true; });
    xhr.addEventListener("loadend", function () {
      armIdle();
      if (!desk) return;
      inFlight = Math.max(0, inFlight - 1);
      if (isScan && xhr.status === 0 && !aborted) {
        // the kiosk did not answer: the scan goes back into the field, to send again
        var f = field();
        if (f && sent && !f.value) f.value = sent;
        if (messages) messages.textContent = "The kiosk did not answer. Press Enter to try again.";
      }
      if (!inFlight && !queue.length && outgoing === null) setChecking(false);
      setTimeout(pump, 0);
    });
  });

  document.addEventListener("htmx:afterSettle", function (evt) {
    // htmx also fires this on each out-of-band element of the answer (the status bar), with
    // the same detail: only the event on the verdict itself is the verdict settling.
    var target = evt.target;
    if (!target || target.id !== "verdict") return;
    var config = evt.detail.requestConfig;
    var elt = config && config.elt;  // the form that asked (detail.elt is the swapped target)
    var image = byId("image-form");
    if (image && elt === image) image.reset();  // the same image can be chosen again
    var lookup = byId("lookup-q");
    var shown = target.querySelector("[data-reason]");
    if (lookup && shown && shown.dataset.reason === "handed_out") lookup.value = "";
    if (window.PinKiosk && window.PinKiosk.sound) {  // static/sounds.js
      window.PinKiosk.sound(shown ? shown.dataset.reason
                                  : (target.querySelector("[data-status]") ? "error" : ""));
    }
    var chosen = target.querySelector("[autofocus]");
    if (chosen && !queue.length) { chosen.focus(); return; }
    if (!isControl(document.activeElement) || target.contains(document.activeElement)) {
      var f = field();
      if (f) f.focus();
    }
  });

  var idleTimer = null;
  function armIdle() {
    var seconds = parseInt(document.body.dataset.idleSeconds || "0", 10);
    clearTimeout(idleTimer);
    if (seconds > 0) idleTimer = setTimeout(function () { window.location.reload(); }, (seconds + 5) * 1000);
  }
  document.addEventListener("DOMContentLoaded", function () { armIdle(); refocus(); });

  window.PinKiosk = window.PinKiosk || {};
  window.PinKiosk.scan = sendScan;  // the camera's codes join the scanner's queue (camera.js)
})();
