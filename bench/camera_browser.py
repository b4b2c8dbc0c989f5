"""Benchmark a QR code held up to the camera until its verdict is on screen, in Chromium (issue 12).

Builds a kiosk as bench/scan_browser.py does (the test district, a roster of ``--people`` staff,
some pins already handed out), serves it with ``kiosk serve`` (waitress, 8 threads, its own
process, no print worker) and drives Debian's Chromium (headless, 1366x768) through Playwright,
logged in as a designee, with a fake camera playing an MJPEG video made here
(tests/browser/camera_video.py): 1280x720 at 30 frames a second with a sensor's grain (frames
of about 140 KB), each QR code in view for HOLD_S, then nothing for GAP_S, the codes a mix of
payloads that get different verdicts; the video loops. "Use the camera" is pressed once.

Each code's frames carry the scene's number in squares along the top edge. A probe added
before the page's scripts reads them from every frame the page's <video> shows
(requestVideoFrameCallback) and times each read:

* from the capture time of the first frame showing the code (the code steady in view);
* to the verdict painted: ``htmx:afterSettle`` on #verdict for the scan carrying that code,
  then a requestAnimationFrame and a setTimeout(0) (as bench/scan_browser.py).

Phases: to the frame grabbed (camera.js takes five a second), grabbed to the codes answered
(JPEG encoding, upload, the kiosk's zxing-cpp), answered to the scan sent (the scan queue),
sent to painted (the scanner's own path). Baselines of the same run, on the same server:
``page_fetch_scan``, the same POST /scan by fetch in the page (after the camera run), and
``kiosk_decode``, ``codes_in_frame`` in this process on frames the page itself sent.

Target (issue 12): p95 at most 500 ms. Prints one JSON object; exits 1 when the target is
missed, a verdict is wrong or never came, a code in view was sent twice, or reads are short.

    .venv/bin/python bench/camera_browser.py               # 40 timed reads
    .venv/bin/python bench/camera_browser.py --reads 10 --people 300   # a smoke run
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]  # the test district, and bench/scan*.py
from scan import code_revision, kiosk_server  # noqa: E402
from scan_browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    FETCH_SCAN,
    SCAN_MIX,
    VIEWPORT,
    build,
    log,
    log_in,
    summary,
)

from kiosk.services.camera import codes_in_frame  # noqa: E402
from tests.browser.camera_video import MARK, MARK_BITS, chromium_args, write_mjpeg  # noqa: E402

HOLD_S = 1.2  # a code in view, then none for GAP_S (drawn: not in step with camera.js's frames)
GAP_S = (0.6, 1.0)
CODES = 10  # distinct codes in the video before it loops
WARM_UP = 3
TARGET_P95_MS = 500.0
KEEP_FRAMES = 40  # frames the page sent, kept for the kiosk_decode baseline

PROBE = r"""
(function () {
  "use strict";
  var B = window.__cam = { appear: [], sends: [], paints: [], frames: [], posts: [], kept: [] };
  var last = -1, canvas = null;
  function now() { return performance.now(); }
  function scanOf(e) {
    var c = e.detail && e.detail.requestConfig;
    var elt = (c && c.elt) || (e.detail && e.detail.elt);
    return elt && elt.id === "scan-form" && c && c.parameters ? c.parameters.get("payload") : null;
  }
  // The scene's number, from its squares along the top edge of the frame.
  function watch(video) {
    video.requestVideoFrameCallback(function (at, meta) {
      canvas = canvas || Object.assign(document.createElement("canvas"),
                                       { width: MARK * 2 * BITS, height: MARK * 2 });
      var ctx = canvas.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height, 0, 0, canvas.width, canvas.height);
      var px = ctx.getImageData(0, 0, canvas.width, canvas.height).data, number = 0;
      for (var bit = 0; bit < BITS; bit++) {
        var i = (MARK * canvas.width + MARK * (2 * bit + 1) + MARK / 2) * 4;
        if (px[i] < 128) number |= 1 << bit;
      }
      if (last >= 0 && number && number !== last) {
        B.appear.push({ scene: number, at: meta.captureTime || meta.presentationTime,
                        shown: meta.presentationTime });
      }
      last = number;
      watch(video);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var video = document.getElementById("camera-view");  // the scan page's only
    if (video) watch(video);
  });
  document.addEventListener("kiosk:camera-frame", function (e) { B.frames.push(e.detail); });
  var realFetch = window.fetch;
  window.fetch = function (url, options) {
    var start = now(), body = options && options.body;
    var answer = realFetch.apply(this, arguments);
    if (String(url).endsWith("/scan/camera")) {
      answer.then(function () { B.posts.push({ ms: now() - start, bytes: body.size }); });
      if (B.kept.length < KEEP && B.posts.length % 5 === 0) {
        var reader = new FileReader();
        reader.onload = function () { B.kept.push(reader.result.split(",")[1]); };
        reader.readAsDataURL(body);
      }
    }
    return answer;
  };
  document.addEventListener("htmx:beforeRequest", function (e) {
    var p = scanOf(e);
    if (p !== null) B.sends.push({ payload: p, at: now() });
  }, true);
  document.addEventListener("htmx:afterSettle", function (e) {
    var p = scanOf(e);
    if (p === null || !e.target || e.target.id !== "verdict") return;
    var shown = e.target.querySelector("[data-reason]");
    var paint = { payload: p, reason: shown ? shown.dataset.reason : null, at: null };
    B.paints.push(paint);
    requestAnimationFrame(function () { setTimeout(function () { paint.at = now(); }, 0); });
  }, true);
})();
""".replace("MARK", str(MARK)).replace("BITS", str(MARK_BITS)).replace("KEEP", str(KEEP_FRAMES))


def choose_codes(groups: dict[str, list[str]], rng: random.Random) -> list[tuple[str, str]]:
    """(payload, expected reason), CODES of them, in SCAN_MIX's shares, each payload once."""
    reasons = rng.choices(list(SCAN_MIX), list(SCAN_MIX.values()), k=CODES)
    chosen: dict[str, str] = {}
    for reason in reasons:
        chosen.setdefault(rng.choice([p for p in groups[reason] if p not in chosen]), reason)
    return list(chosen.items())


def reads_of(cam: dict[str, Any], scenes: list[tuple[str | None, float]],
             expected: dict[str, str]) -> tuple[list[dict[str, float]], list[dict[str, Any]]]:
    """Each appearance of a code after the warm-up, paired with its frame, its scan and its
    verdict painted."""
    reads, problems = [], []
    ends = [a["at"] for a in cam["appear"][1:]] + [float("inf")]
    for appear, end in list(zip(cam["appear"], ends, strict=True))[WARM_UP:]:
        payload = scenes[appear["scene"] - 1][0]
        t0 = appear["at"]
        sends = [s for s in cam["sends"] if s["payload"] == payload and t0 <= s["at"] < end]
        paint = next((p for p in cam["paints"] if p["payload"] == payload and p["at"]
                      and p["at"] >= t0), None)
        frame = next((f for f in cam["frames"] if f["grabbedAt"] >= t0
                      and payload in f["codes"]), None)
        what = {"scene": appear["scene"], "payload": (payload or "")[:60],
                "expected": expected.get(payload or ""), "sent": len(sends),
                "shown": paint and paint["reason"]}
        if end == float("inf") and not sends:
            continue  # the run ended while this code was in view
        if len(sends) != 1 or paint is None or frame is None or \
                paint["reason"] != expected.get(payload or ""):
            problems.append(what)
            continue
        send = sends[0]
        reads.append({"total": paint["at"] - t0, "to_frame_grabbed": frame["grabbedAt"] - t0,
                      "frame_to_codes": frame["answeredAt"] - frame["grabbedAt"],
                      "codes_to_scan_sent": send["at"] - frame["answeredAt"],
                      "scan_sent_to_painted": paint["at"] - send["at"],
                      "captured_to_shown": appear["shown"] - t0})
    return reads, problems


def run(port: int, video: Path, reads_wanted: int, scenes: list[tuple[str | None, float]],
        codes: list[tuple[str, str]]) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM,
                                     args=CHROMIUM_ARGS + chromium_args(video))
        try:
            context = chromium.new_context(viewport=VIEWPORT, permissions=["camera"],
                                           base_url=f"http://127.0.0.1:{port}")
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.add_init_script(PROBE)
            log_in(page)
            page.get_by_role("button", name="Use the camera").click()
            started = time.monotonic()
            deadline = started + (reads_wanted + WARM_UP + 4) * (HOLD_S + GAP_S[1]) * 2 + 30
            while time.monotonic() < deadline:
                page.wait_for_timeout(1000)
                if page.evaluate("() => window.__cam.appear.length") > reads_wanted + WARM_UP:
                    break
            page.wait_for_timeout(int(HOLD_S * 1000) + 500)
            page.get_by_role("button", name="Stop the camera").click()
            cam = page.evaluate("() => window.__cam")
            cam["seconds"] = time.monotonic() - started
            fetched = []
            for payload, _ in codes * 4:  # the baseline: the same scans, by fetch in the page
                reason, ms = page.evaluate(FETCH_SCAN, payload)
                fetched.append(ms)
            cam["page_fetch_scan"] = fetched
            cam["errors"], cam["chromium"] = errors[:10], chromium.version
            context.close()
        finally:
            chromium.close()
    return cam


def kiosk_decode(kept: list[str]) -> tuple[list[float], int]:
    """Milliseconds of ``codes_in_frame`` on the page's own frames, and how many showed a code."""
    times, with_code = [], 0
    frames = [base64.b64decode(k) for k in kept]
    for _ in range(3):
        for frame in frames:
            started = time.perf_counter()
            with_code += bool(codes_in_frame(frame))
            times.append((time.perf_counter() - started) * 1000)
    return times, with_code // 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reads", type=int, default=40, help="timed reads (at least 30)")
    parser.add_argument("--people", type=int, default=1000, help="staff on the roster")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    load_before = os.getloadavg()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-camera-") as folder:
        instance = Path(folder) / "instance"
        log(f"building an instance with {args.people:,} people")
        groups, facts = build(instance, args.people, rng)
        codes = choose_codes(groups, rng)
        scenes: list[tuple[str | None, float]] = []
        for payload, _ in codes:
            scenes += [(payload, HOLD_S), (None, rng.uniform(*GAP_S))]
        video = write_mjpeg(Path(folder) / "camera.mjpeg", scenes, marked=True, quality=75)
        log(f"camera video: {video.stat().st_size / 2**20:.0f} MiB; reading {args.reads} codes")
        with kiosk_server(instance, print_worker=False) as (_, port):
            cam = run(port, video, args.reads, scenes, codes)
    expected = dict(codes)
    reads, problems = reads_of(cam, scenes, expected)
    timed = reads[:args.reads]
    decode, decoded_with_code = kiosk_decode(cam["kept"])
    total = summary([r["total"] for r in timed])
    phases = {name: {k: v for k, v in summary([r[name] for r in timed]).items()
                     if k in ("p50_ms", "p95_ms", "max_ms")}
              for name in timed[0]} if timed else {}
    posts = cam["posts"]
    frames = {"sent": len(posts), "per_second": round(len(posts) / cam["seconds"], 2),
              "round_trip": summary([p["ms"] for p in posts]),
              "kib_p50": round(sorted(p["bytes"] for p in posts)[len(posts) // 2] / 1024, 1)
              if posts else None}
    baselines = {"kiosk_decode": summary(decode),
                 "page_fetch_scan": summary(cam["page_fetch_scan"])}
    passed = total.get("p95_ms") is not None and total["p95_ms"] <= TARGET_P95_MS
    complete = len(timed) >= args.reads
    correct = not problems and not cam["errors"]
    result = {
        "benchmark": "QR code steady in the camera's view to its verdict painted (issue 12)",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": code_revision(),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "chromium": cam["chromium"],
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "instance": facts,
        "method": {"camera": "fake device, MJPEG 1280x720 at 30 frames/s with grain",
                   "hold_s": HOLD_S, "gap_s": GAP_S, "codes": CODES, "warm_up_reads": WARM_UP,
                   "from": "capture time of the first frame showing the code",
                   "to": "htmx:afterSettle on #verdict, then requestAnimationFrame + setTimeout 0"},
        "camera_to_verdict": total,
        "phases": phases,
        "frames": frames,
        "baselines": baselines,
        "kiosk_decode_frames_with_a_code": decoded_with_code,
        "ratios": {"p95_over_page_fetch_scan_p95": round(total["p95_ms"] / baselines[
            "page_fetch_scan"]["p95_ms"], 1) if total.get("p95_ms") else None},
        "problems": problems[:20],
        "page_errors": cam["errors"],
        "target": {"p95_ms": TARGET_P95_MS, "measured": total.get("p95_ms"), "pass": passed},
        "correct": correct,
        "complete": complete,
        "pass": passed and correct and complete,
    }
    print(json.dumps(result, indent=2))
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
