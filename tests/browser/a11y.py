"""Accessibility checks with axe-core, for the browser tests.

axe-core is vendored in ``tests/browser/vendor/axe-core`` (see its README): nothing is fetched
at test time and the app never serves it.

How it gets into the page: the app's Content-Security-Policy (``default-src 'self'``, no
``'unsafe-inline'``) blocks ``page.add_script_tag(content=...)`` -- Chromium refuses the inline
script and logs a CSP violation, which the ``new_page`` fixture would report as a console error.
``page.evaluate(source)`` works: Playwright runs it over the DevTools protocol, which a page's CSP
does not govern, and axe itself needs neither ``eval`` nor inline scripts. So the page is checked
with its real CSP in force; no ``bypass_csp`` context is needed, and the page's own behaviour is
left as it is.

``axe_violations(page)`` returns the violations at or above the given impacts;
``assert_accessible(page, label)`` fails on serious and critical ones and keeps the moderate and
minor ones in ``FINDINGS`` for the report at the end of the run (``conftest.py``)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
IMPACTS = ("minor", "moderate", "serious", "critical")  # axe's impacts, least first
FAILING = ("serious", "critical")
# Moderate findings fixed once (issue 10) that must not come back: every page has a heading one
# and all its content in landmarks.
KEPT_FIXED = ("region", "page-has-heading-one")
SHOWN = 3  # elements shown per violation

# With JavaScript switched off for the page (``java_script_enabled=False``) Chromium still runs
# what Playwright evaluates, but fires no timers, and axe resolves each rule with
# ``setTimeout(fn, 0)``: there a zero delay becomes a microtask for the length of the run, and
# axe does not preload the style sheets (that only feeds ``css-orientation-lock``). Whether
# scripting is on shows in how ``innerHTML`` parses ``<noscript>``.
_RUN = """async () => {
  const probe = document.createElement("div");
  probe.innerHTML = "<noscript><i></i></noscript>";
  const scripting = probe.querySelector("noscript i") === null;
  const saved = window.setTimeout;
  if (!scripting) {
    window.setTimeout = (fn, ms, ...args) => ms ? saved(fn, ms, ...args)
                                               : (Promise.resolve().then(() => fn(...args)), 0);
  }
  try {
    const results = await axe.run(document, {resultTypes: ["violations"], preload: scripting});
    return results.violations.map(v => ({
      id: v.id, impact: v.impact || "minor", help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map(n => ({
        target: n.target.map(t => Array.isArray(t) ? t.join(" >>> ") : t).join(" "),
        html: n.html})),
    }));
  } finally {
    window.setTimeout = saved;
  }
}"""

# htmx marks what it is working on; a check in the middle of a swap would see half a page.
_SETTLED = """() => !document.querySelector(
  ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")"""
_STATE = f"() => [({_SETTLED})(), typeof window.axe === 'object']"


@functools.cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Violation:
    """One axe rule a page breaks, and the first few elements that break it."""

    rule: str
    impact: str
    help: str
    help_url: str
    nodes: tuple[tuple[str, str], ...]  # (CSS selector, HTML snippet)
    count: int  # how many elements in all
    page: str  # the page's path and query
    label: str  # what the test was looking at

    def __str__(self) -> str:
        lines = [f"[{self.impact}] {self.rule} on {self.label} ({self.page}): {self.help} "
                 f"-- {self.count} element{'s' if self.count != 1 else ''}; {self.help_url}"]
        for target, html in self.nodes:
            lines.append(f"    {target}  {_snippet(html)}")
        if self.count > len(self.nodes):
            lines.append(f"    ... and {self.count - len(self.nodes)} more")
        return "\n".join(lines)


# Every finding of every check in this run, for the report (deduplicated there), and what was
# checked.
FINDINGS: list[Violation] = []
CHECKED: list[str] = []


def _snippet(html: str, limit: int = 160) -> str:
    one_line = " ".join(html.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 3] + "..."


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def is_checkable(page: Any) -> bool:
    """An HTML page of the app (not a closed tab, about:blank or a PDF)."""
    if page.is_closed() or not page.url.startswith(("http://", "https://")):
        return False
    return bool(page.evaluate("() => document.contentType === 'text/html'"))


def axe_violations(page: Any, impacts: tuple[str, ...] = FAILING,
                   label: str | None = None) -> list[Violation]:
    """The axe violations on the page as it is now whose impact is at or above the lowest of
    ``impacts``, most severe first. Every finding (of any impact) is also kept in
    ``FINDINGS``."""
    lowest = min(IMPACTS.index(i) for i in impacts)
    settled, loaded = page.evaluate(_STATE)
    if not settled:
        try:
            page.wait_for_function(_SETTLED, timeout=5_000)
        except Exception:  # noqa: BLE001 - a page that never settles is checked as it is
            pass
    if not loaded:
        page.evaluate(axe_source())
    raw = page.evaluate(_RUN)
    path = _path(page.url)
    found = [Violation(rule=v["id"], impact=v["impact"], help=v["help"], help_url=v["helpUrl"],
                       nodes=tuple((n["target"], n["html"]) for n in v["nodes"][:SHOWN]),
                       count=len(v["nodes"]), page=path, label=label or path)
             for v in raw]
    FINDINGS.extend(found)
    CHECKED.append(path)
    chosen = [v for v in found if IMPACTS.index(v.impact) >= lowest]
    return sorted(chosen, key=lambda v: -IMPACTS.index(v.impact))


def assert_accessible(page: Any, label: str) -> None:
    """Fail if the page, as it is now, has a serious or critical axe violation, or one of the
    moderate ones fixed for good (``KEPT_FIXED``)."""
    problems = [v for v in axe_violations(page, IMPACTS, label=label)
                if v.impact in FAILING or v.rule in KEPT_FIXED]
    if problems:
        raise AssertionError(f"{len(problems)} accessibility problem(s) on "
                             f"{label}:\n" + "\n".join(map(str, problems)))


def report(findings: list[Violation]) -> list[str]:
    """The report's lines: each rule broken on the same elements once, with the pages where it
    was seen, most severe first; then the pages with ``region`` and ``page-has-heading-one``
    findings."""
    groups: dict[tuple[str, str, tuple[str, ...]], list[Violation]] = {}
    for v in findings:
        groups.setdefault((v.rule, v.impact, tuple(t for t, _ in v.nodes)), []).append(v)
    lines = [f"{len(CHECKED)} checks of {len(set(CHECKED))} pages; "
             f"{len(groups)} distinct violation(s)"]
    for (rule, impact, _), seen in sorted(groups.items(),
                                          key=lambda g: (-IMPACTS.index(g[0][1]), g[0])):
        first = seen[0]
        pages = sorted({v.page for v in seen})
        lines.append(f"[{impact}] {rule}: {first.help} -- {first.count} element"
                     f"{'s' if first.count != 1 else ''} on {', '.join(pages)}; "
                     f"{first.help_url}")
        lines.append(f"    first seen on: {first.label}")
        for target, html in first.nodes:
            lines.append(f"    {target}  {_snippet(html)}")
    for rule in ("region", "page-has-heading-one"):
        by_page: dict[str, set[str]] = {}
        for v in findings:
            if v.rule == rule:
                by_page.setdefault(v.page, set()).add(v.label)
        lines.append(f"{rule}: on {len(by_page)} page(s)")
        for path, labels in sorted(by_page.items()):
            named = sorted(x for x in labels if not x.endswith(" ends on")) or sorted(labels)
            lines.append(f"    {path}: {'; '.join(named)}")
    return lines
