"""A pull of more than one page goes to a process of its own under `kiosk serve`
(kiosk/services/pull_process.py): the same cache as a pull in the server, its errors in the
sync report, and the child ends when the server does."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from kiosk.extensions import db
from kiosk.models import Award, Person
from kiosk.services import pull_process

from .conftest import District, Kiosk

PAGE = 10  # changes a page here: the district's few dozen changes make several pages


def cache_of(kiosk: Kiosk) -> tuple[int, int]:
    return kiosk.call(lambda: (db.session.scalar(select(func.count()).select_from(Award)),
                               db.session.scalar(select(func.count()).select_from(Person))))


def handing_off(kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """``kiosk`` as under `kiosk serve`, with small pages; the children it starts."""
    kiosk.app.config.update(PULL_IN_OWN_PROCESS=True, PULL_PAGE_CHANGES=PAGE)
    monkeypatch.setenv("KIOSK_PULL_PAGE_CHANGES", str(PAGE))  # the child's pages too
    started: list[float] = []
    real = pull_process.pull_in_child

    def counted(timeout: float) -> int:
        started.append(timeout)
        return real(timeout)

    monkeypatch.setattr(pull_process, "pull_in_child", counted)
    return started


def test_a_long_pull_is_made_by_a_process_of_its_own_with_the_same_result(
        district: District, monkeypatch: pytest.MonkeyPatch) -> None:
    served, plain = district.kiosks[0], district.kiosks[1]
    children = handing_off(served, monkeypatch)
    plain.app.config.update(PULL_PAGE_CHANGES=PAGE)

    report = served.sync()
    assert report.ok, report.error
    assert children == [10.0], "the pull went to a child, with the sync's timeout"
    other = plain.sync()
    assert other.ok, other.error
    assert report.pulled == other.pulled > PAGE
    assert cache_of(served) == cache_of(plain)
    assert cache_of(served)[0] > 0

    again = served.sync()  # nothing new: one page or less, pulled in the server itself
    assert again.ok and len(children) == 1


def test_a_routine_pull_of_one_page_stays_in_the_server(
        district: District, monkeypatch: pytest.MonkeyPatch) -> None:
    kiosk = district.kiosks[0]
    children = handing_off(kiosk, monkeypatch)
    kiosk.app.config.update(PULL_PAGE_CHANGES=5000)
    report = kiosk.sync()
    assert report.ok and report.pulled > 0
    assert children == []


def test_a_child_that_stops_without_an_answer_is_a_sync_error_not_a_crash(
        district: District, monkeypatch: pytest.MonkeyPatch) -> None:
    kiosk = district.kiosks[0]
    handing_off(kiosk, monkeypatch)
    broken = [sys.executable, "-c", "import sys; sys.stderr.write('disk on fire\\n'); "
              "sys.exit(2)"]
    monkeypatch.setattr(pull_process, "child_command", lambda timeout: broken)
    report = kiosk.sync()
    assert not report.ok
    assert "disk on fire" in report.error
    kiosk.app.config["PULL_IN_OWN_PROCESS"] = False  # nothing was lost: the next pull does it all
    after = kiosk.sync()
    assert after.ok and after.pulled > PAGE


@pytest.mark.parametrize("line, expected", [
    ('{"pulled": 12, "error": ""}', pull_process.PullAnswer(pulled=12)),
    ('noise\n{"pulled": 3, "error": "gone", "refused_status": 403, "refused_code": "revoked"}',
     pull_process.PullAnswer(3, "gone", 403, "revoked")),
    ("", None), ("Traceback ...", None), ("[1, 2]", None),
])
def test_the_childs_answer_is_its_last_line(line: str, expected: Any) -> None:
    assert pull_process.PullAnswer.from_output(line) == expected


def test_a_refusal_in_the_child_is_the_hubs_refusal_in_the_report(
        district: District, monkeypatch: pytest.MonkeyPatch) -> None:
    kiosk = district.kiosks[0]
    handing_off(kiosk, monkeypatch)
    answer = pull_process.PullAnswer(0, "This kiosk was revoked", 403, "kiosk_revoked")
    monkeypatch.setattr(pull_process, "child_command", lambda timeout: [
        sys.executable, "-c", f"print({answer.to_line()!r})"])
    report = kiosk.sync()
    assert report.refused and report.error == "This kiosk was revoked"


def test_the_child_ends_when_the_server_that_started_it_ends() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "from kiosk.services.own_process import become_child\n"
         "become_child()\nimport time\ntime.sleep(60)"], stdin=subprocess.PIPE)
    time.sleep(0.5)
    assert child.poll() is None
    assert child.stdin is not None
    child.stdin.close()  # what the system does when the server ends, however it ends
    assert child.wait(timeout=10) == 3
