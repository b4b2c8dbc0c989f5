// Pin Kiosk camera: where the PC has a camera and no scanner, "Use the camera" on the scan page
// shows the live picture and reads the QR codes in it (templates/partials/_camera.html).
// - A few frames a second, one in flight at a time, go to the kiosk as JPEG (POST /scan/camera),
//   which reads every QR code in the frame with zxing-cpp (why the kiosk and not the page:
//   docs/proofs.md, "The camera").
// - A code read is handed to the scan queue (kiosk.js: PinKiosk.scan), exactly as a scanner's
//   scan: the same request, verdict and sound.
// - A code held in view is sent once. It is sent again only after it has been out of view for
//   FORGET_MS, or when it comes back after another code was read.
// - The camera stops (every track) when it is switched off, when the page is hidden or left, and
//   when it is unplugged. Switched on, it is on again when the scan page comes back.
// - It fires "kiosk:camera-frame" on the document for every frame read: {grabbedAt, answeredAt,
//   codes} (bench/camera_browser.py times the camera with it).
(function () {
  "use strict";
  var FRAME_MS = 200;     // at most five frames a second
  var MAX_SIDE = 1280;    // a frame is scaled down to this many pixels on its longer side
  var QUALITY = 0.8;      // JPEG quality: a 1280x720 frame is about 30-200 KB
  var FORGET_MS = 1500;   // a code out of view this long is read again when it comes back
  var FAILURES = 3;       // frames failing in a row before the status says so
  var CHOICE = "pinKiosk.camera";  // localStorage: "on" once the person switched it on here

  var stream = null, wanted = false, run = 0, timer = null, failed = 0;
  var seen = new Map();   // code -> when a frame last showed it (while remembered)
  var canvas = null;

  function byId(id) { return document.getElementById(id); }
  function box() { return byId("camera"); }
  function video() { return byId("camera-view"); }

  function say(text) {
    var status = byId("camera-status");
    if (status && status.textContent !== text) status.textContent = text;
  }

  function remember(on) {
    try { window.localStorage.setItem(CHOICE, on ? "on" : "off"); } catch (err) { /* private */ }
  }
  function chosen() {
    try { return window.localStorage.getItem(CHOICE) === "on"; } catch (err) { return false; }
  }

  function showOn(on) {
    var button = byId("camera-toggle"), view = video();
    if (button) button.textContent = on ? "Stop the camera" : "Use the camera";
    if (view) view.hidden = !on;
  }

  function whyNot(err) {
    var name = err && err.name, again = " Then press \u201cUse the camera\u201d again.";
    if (name === "NotFoundError" || name === "DevicesNotFoundError" ||
        name === "OverconstrainedError") {
      return "No camera was found on this PC. Plug one in and try again, or use the scanner.";
    }
    if (name === "NotAllowedError" || name === "PermissionDeniedError" || name === "SecurityError") {
      return "The browser was not allowed to use the camera. Allow it with the camera icon in " +
             "the address bar." + again;
    }
    if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") {
      return "The camera would not start: another program may be using it. Close that " +
             "program." + again;
    }
    return "The camera would not start (" + (name || "unknown problem") + ")." + again;
  }

  function start() {
    if (wanted || !box()) return;
    var media = navigator.mediaDevices;
    if (!media || !media.getUserMedia) {
      say("The browser offers no camera at this address. Open the kiosk on this PC at " +
          "http://127.0.0.1:" + (location.port || "80") + ", or use the scanner.");
      return;
    }
    wanted = true;
    var mine = ++run;
    showOn(true);
    say("Starting the camera\u2026");
    media.getUserMedia({ audio: false, video: { width: { ideal: 1280 }, height: { ideal: 720 },
                                                facingMode: "environment" } })
      .then(function (got) {
        if (mine !== run) {  // switched off, or the page hidden, while it started
          got.getTracks().forEach(function (track) { track.stop(); });
          return;
        }
        stream = got;
        got.getVideoTracks().forEach(function (track) {
          track.addEventListener("ended", function () {
            if (stream === got) stop("The camera was disconnected. Plug it in, then press " +
                                     "\u201cUse the camera\u201d again.");
          });
        });
        var view = video();
        view.srcObject = got;
        var playing = view.play();
        if (playing && playing.catch) playing.catch(function () { /* shown when it can */ });
        seen.clear();
        failed = 0;
        say("Hold the QR code up to the camera.");
        var field = byId("payload");  // Enter hands out again, as after a scanner's scan
        if (field && document.activeElement === byId("camera-toggle")) field.focus();
        next(mine, 0);
      }, function (err) {
        if (mine !== run) return;
        wanted = false;
        showOn(false);
        say(whyNot(err));
      });
  }

  function stop(message) {
    wanted = false;
    run += 1;
    clearTimeout(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    var view = video();
    if (view) view.srcObject = null;
    showOn(false);
    say(message || "");
  }

  function next(mine, wait) {
    clearTimeout(timer);
    timer = setTimeout(function () { grab(mine); }, Math.max(0, wait));
  }

  // One frame: drawn, encoded, sent; the next one no sooner than FRAME_MS after this one.
  function grab(mine) {
    if (mine !== run) return;
    var view = video(), width = view.videoWidth, height = view.videoHeight;
    if (view.readyState < 2 || !width || !height) { next(mine, 50); return; }
    var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    canvas = canvas || document.createElement("canvas");
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    canvas.getContext("2d").drawImage(view, 0, 0, canvas.width, canvas.height);
    var grabbedAt = performance.now();
    canvas.toBlob(function (frame) {
      if (mine !== run) return;
      if (!frame) { next(mine, FRAME_MS); return; }
      send(frame, mine, grabbedAt);
    }, "image/jpeg", QUALITY);
  }

  function send(frame, mine, grabbedAt) {
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    headers["Content-Type"] = "image/jpeg";
    fetch(box().dataset.frames, { method: "POST", body: frame, headers: headers,
                                  credentials: "same-origin", cache: "no-store" })
      .then(function (answer) {
        if (answer.redirected) {  // logged out (idle): the page shows the login
          stop();
          window.location.reload();
          return null;
        }
        return answer.ok ? answer.json() : null;
      })
      .catch(function () { return null; })
      .then(function (answer) {
        if (mine !== run) return;
        if (answer && Array.isArray(answer.codes)) {
          failed = 0;
          say("Hold the QR code up to the camera.");
          read(answer.codes, grabbedAt);
        } else if (++failed >= FAILURES) {
          say("The kiosk cannot read the camera\u2019s pictures right now; it keeps trying. " +
              "The scanner still works.");
        }
        next(mine, grabbedAt + FRAME_MS - performance.now());
      });
  }

  // The codes in one frame: each new one goes to the scan queue, in the frame's order.
  function read(codes, at) {
    seen.forEach(function (last, code) { if (at - last > FORGET_MS) seen.delete(code); });
    var fresh = codes.filter(function (code) { return !seen.has(code); });
    if (fresh.length) {  // another code: those out of view now are read again when they return
      seen.forEach(function (last, code) { if (codes.indexOf(code) < 0) seen.delete(code); });
    }
    codes.forEach(function (code) { seen.set(code, at); });
    document.dispatchEvent(new CustomEvent("kiosk:camera-frame", {
      detail: { grabbedAt: at, answeredAt: performance.now(), codes: codes.slice() } }));
    var scan = window.PinKiosk && window.PinKiosk.scan;  // kiosk.js
    if (scan) fresh.forEach(function (code) { scan(code); });
  }

  document.addEventListener("click", function (e) {
    var button = e.target && e.target.closest && e.target.closest("#camera-toggle");
    if (!button) return;
    if (wanted) { remember(false); stop(""); } else { remember(true); start(); }
  });

  // Leaving the page, or hiding it, lets go of the camera; it comes back with the page.
  window.addEventListener("pagehide", function () { if (wanted) stop(""); });
  window.addEventListener("pageshow", function () {
    if (box() && chosen() && !document.hidden) start();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { if (wanted) stop(""); } else if (box() && chosen()) start();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var here = box();
    if (here) here.hidden = false;  // without JavaScript there is no camera to offer
  });
})();
