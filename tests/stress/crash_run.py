"""Pull the plug on a real `kiosk serve` while the desk hands out pins over HTTP, again and
again, then read back what the kiosk kept (tests/stress/test_crash.py, bench/crash.py).

One *life* of the server: start `kiosk serve` on the instance (print worker on, receipts
appended to a file as to a printer device, the WAL checkpointer every 0.2 s, sync off), log in
if the session is gone, first press "Hand out pin" again for the hand-outs a kill cut off that
are to be retried (the same form: the same nonce), then scan and hand out award after award
until SIGKILL comes. When, a seeded generator draws: in half the lives at a moment uniformly
within twice ``mean_life_s`` of the start (in a scan, a hand-out, a print, a checkpoint ...),
in the others within 20 ms of the life's k-th acknowledged hand-out, while the print worker,
just woken, is sending its receipt. Between two lives the receipt jobs the kill left in
``sending`` are noted (read-only, so that the restart finds the write-ahead log as the kill
left it). After the last kill one more life lets the print worker finish, scans every award
tried once more, and stops.

What the desk saw:

- *acknowledged*: a 200 "Pin handed out" with its receipt number;
- *unacknowledged*: the kill came while "Hand out pin" was in flight. Half of these (drawn) are
  pressed again after the restart, with the same form, until acknowledged; the others are left
  as they are: they may or may not have been recorded.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .served import DOWN, Answer, Desk, Records, ServedKiosk, sending_jobs

DRAINED = ("printed", "uncertain", "cancelled")


@dataclass
class Attempt:
    """One hand-out as the desk tried it: the verdict's form and what came back."""

    award: str
    form: dict[str, str]
    answers: list[Answer] = field(default_factory=list)
    cut_off: int = 0  # times a kill came while "Hand out pin" was in flight
    retry: bool = False  # drawn: pressed again after a restart until acknowledged

    @property
    def nonce(self) -> str:
        return self.form["nonce"]

    @property
    def acknowledged(self) -> Answer | None:
        return next((a for a in self.answers if a.handed_out), None)


@dataclass
class CrashRun:
    kiosk: ServedKiosk
    awards: list[str]  # the awards to hand out, in order; each is handed out at most once
    seed: int
    mean_life_s: float = 0.3  # a timed kill comes uniformly within twice this after a start
    rng: random.Random = field(init=False)
    attempts: list[Attempt] = field(default_factory=list)
    kills: int = 0
    kill_after_s: list[float] = field(default_factory=list)
    sending_at_kill: dict[int, int] = field(default_factory=dict)  # job id -> kill number
    unexpected: Counter[str] = field(default_factory=Counter)  # verdicts other than ok
    desk: Desk | None = None
    restart_s: list[float] = field(default_factory=list)
    final: Records | None = None
    rescans: Counter[str] = field(default_factory=Counter)
    rescans_left_alone: dict[str, str] = field(default_factory=dict)  # nonce -> verdict
    died_alone: int = 0  # lives that ended before their kill: the server died by itself

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._next = iter(self.awards)
        self._timer: threading.Timer | None = None  # the kill on its way in this life
        self._trigger: tuple[int, float] | None = None  # kill after k hand-outs, d seconds
        self._life_began, self._life_acks = 0.0, 0

    @property
    def database(self) -> Path:
        return self.kiosk.instance / "kiosk.sqlite3"

    def acknowledged(self) -> list[Attempt]:
        return [a for a in self.attempts if a.acknowledged is not None]

    # --- the run ------------------------------------------------------------------------------

    def run(self, kills: int, hand_outs: int, give_up_s: float = 3600.0) -> None:
        """Lives until ``kills`` kills and ``hand_outs`` acknowledged hand-outs, then the
        last life (``finish``)."""
        started = time.monotonic()
        while self.kills < kills or len(self.acknowledged()) < hand_outs:
            assert time.monotonic() - started < give_up_s, "the crash run took too long"
            self.life()
        self.finish()

    def life(self) -> None:
        """Start, work at the desk until the kill, note what the kill left in ``sending``.

        Half the lives (drawn) are killed at a moment drawn uniformly within twice
        ``mean_life_s`` of the start; the others within 20 ms of their k-th acknowledged
        hand-out (k drawn from 1 to 8), while the print worker is sending its receipt."""
        self._start()
        self._life_began, self._life_acks = time.monotonic(), 0
        self._timer, self._trigger = None, None
        if self.rng.random() < 0.5:
            self._arm(self.rng.uniform(0.0, 2 * self.mean_life_s))
        else:
            self._trigger = (self.rng.randint(1, 8), self.rng.uniform(0.0, 0.02))
        try:
            self._desk_work()
        except DOWN:
            pass  # the kill came
        except BaseException:
            if self._timer is not None:
                self._timer.cancel()
            self.kiosk.kill()
            raise
        if self._timer is None:  # the server went away with no kill on its way
            self.died_alone += 1
        else:
            self._timer.join()
        self.kiosk.kill()  # waits for the process: it is gone before anything is read
        self.kills += 1
        for job in sending_jobs(self.database):
            self.sending_at_kill.setdefault(job, self.kills)

    def _arm(self, delay: float) -> None:
        self._timer = threading.Timer(delay, self._kill_now)
        self._timer.start()

    def _kill_now(self) -> None:
        proc = self.kiosk.proc
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, 9)
            self.kill_after_s.append(time.monotonic() - self._life_began)
        else:
            self.died_alone += 1

    def _start(self) -> None:
        began = time.perf_counter()
        self.kiosk.start()
        self.restart_s.append(time.perf_counter() - began)
        if self.desk is not None:
            self.desk.close()
            self.desk = self.desk.moved_to(self.kiosk.port)

    def _log_out_here(self) -> None:
        if self.desk is not None:
            self.desk.close()
        self.desk = None

    def _logged_in(self) -> Desk:
        if self.desk is None:
            desk = Desk(self.kiosk.port)
            try:
                desk.log_in_as("designee")
            except BaseException:
                desk.close()
                raise
            self.desk = desk  # only once logged in: a cut-off login starts over
        return self.desk

    def _desk_work(self) -> None:
        """Until the kill: first the retries, then new hand-outs."""
        self._retry()
        while True:
            award = next(self._next, None)
            assert award is not None, "the instance ran out of awards: give it more people"
            reason, form = self._scan(award)
            if reason != "ok":
                self.unexpected[f"scan: {reason}"] += 1
                continue
            attempt = Attempt(award, form)
            self.attempts.append(attempt)
            self._press(attempt)

    def _retry(self) -> None:
        for attempt in [a for a in self.attempts if a.retry and a.acknowledged is None]:
            self._press(attempt)

    def _scan(self, award: str) -> tuple[str, dict[str, str]]:
        reason, form = self._logged_in().verdict(award)
        if reason == "http_204":  # the session is gone (its login was cut off): log in
            self._log_out_here()
            reason, form = self._logged_in().verdict(award)
        return reason, form

    def _press(self, attempt: Attempt) -> None:
        desk = self._logged_in()
        try:
            answer = desk.press(attempt.form)
            if answer.reason == "http_204":
                self._log_out_here()
                answer = self._logged_in().press(attempt.form)
        except DOWN:
            attempt.cut_off += 1
            if attempt.cut_off == 1:
                attempt.retry = self.rng.random() < 0.5
            raise
        attempt.answers.append(answer)
        if not answer.handed_out:
            self.unexpected[f"hand-out: {answer.reason}"] += 1
            return
        self._life_acks += 1
        if self._trigger is not None and self._life_acks >= self._trigger[0]:
            self._arm(self._trigger[1])
            self._trigger = None

    def finish(self, timeout: float = 120.0) -> None:
        """The last life: the print worker settles every receipt it may; the desk scans every
        acknowledged award again; then a clean stop, and the records are read."""
        self._start()
        self._timer, self._trigger = None, None
        try:
            self._retry()
            deadline = time.monotonic() + timeout
            while self._open_jobs():
                assert time.monotonic() < deadline, "receipts still waiting to print"
                time.sleep(0.1)
            for attempt in self.attempts:
                reason, _ = self._scan(attempt.award)
                if attempt.acknowledged is not None:
                    self.rescans[reason] += 1
                else:
                    self.rescans_left_alone[attempt.nonce] = reason
        finally:
            self.kiosk.stop()
            if self.desk is not None:
                self.desk.close()
        self.final = Records.read(self.database)

    def _open_jobs(self) -> int:
        conn = sqlite3.connect(self.database, timeout=15)
        try:
            marks = ",".join("?" * len(DRAINED))
            return int(conn.execute(f"SELECT COUNT(*) FROM print_job WHERE status NOT IN "
                                    f"({marks})", DRAINED).fetchone()[0])
        finally:
            conn.close()

    # --- what is checked ----------------------------------------------------------------------

    def problems(self) -> list[str]:
        """Everything that is wrong after the run (empty: all is well)."""
        rec = self.final
        assert rec is not None, "run() first"
        found: list[str] = []
        if rec.integrity != "ok":
            found.append(f"integrity_check: {rec.integrity}")
        found += [f"scan or hand-out said {k} ({n} times)" for k, n in self.unexpected.items()]
        for attempt in self.attempts:
            ack = attempt.acknowledged
            dist = rec.distributions.get(attempt.nonce)
            if ack is not None:
                if dist is None:
                    found.append(f"acknowledged {ack.receipt} ({attempt.nonce}) is not there")
                    continue
                if (dist["receipt"], ack.distribution_id) != (ack.receipt, attempt.nonce):
                    found.append(f"acknowledged {ack.receipt} ({attempt.nonce}) came back as "
                                 f"{dist['receipt']} ({ack.distribution_id})")
                if any(a.distribution_id != attempt.nonce for a in attempt.answers):
                    found.append(f"a retry of {attempt.nonce} answered another hand-out")
            elif attempt.retry:
                found.append(f"the retried hand-out {attempt.nonce} was never acknowledged")
        tried = {a.nonce for a in self.attempts}
        found += [f"a hand-out nobody pressed for: {i}" for i in rec.distributions
                  if i not in tried]
        found += [f"{n} pins of one award to one person: {k}"
                  for k, n in rec.per_claim.items() if n > 1]
        found += rec.incomplete()
        found += [f"credential {c}: on hand {h}, ledger {s}"
                  for c, (h, s) in rec.stock_off_ledger().items()]
        if not rec.chain_ok:
            found.append(f"outbox chain: {rec.chain_problem}")
        if self.rescans and set(self.rescans) != {"already_issued"}:
            found.append(f"acknowledged awards scanned again said {dict(self.rescans)}")
        for nonce, reason in self.rescans_left_alone.items():
            expected = "already_issued" if nonce in rec.distributions else "ok"
            if reason != expected:
                found.append(f"the award of cut-off hand-out {nonce} scanned again said "
                             f"{reason}, not {expected}")
        if self.died_alone:
            found.append(f"kiosk serve died by itself {self.died_alone} times")
        found += self.receipt_problems()
        return found

    def receipt_problems(self) -> list[str]:
        """The receipts on paper against the print queue: a printed job printed once, an
        uncertain one at most once (and never again by itself), every job sent at most once,
        and every job the kill left in ``sending`` uncertain now."""
        rec = self.final
        assert rec is not None
        jobs = {j["id"]: j for js in rec.jobs.values() for j in js}
        found = [f"receipt job {j['id']} is {j['status']} after the queue settled"
                 for j in jobs.values() if j["status"] not in DRAINED]
        found += [f"receipt job {j['id']} was sent {j['attempts']} times"
                  for j in jobs.values() if j["attempts"] > 1]
        found += [f"receipt job {i} was sending at kill {k} and is {jobs[i]['status']} now"
                  for i, k in self.sending_at_kill.items() if jobs[i]["status"] != "uncertain"]
        on_paper, torn = paper(self.kiosk.printer.read_bytes(), list(jobs.values()))
        for job in jobs.values():
            n = on_paper[job["id"]]
            if job["status"] == "printed" and n != 1:
                found.append(f"receipt job {job['id']} is printed and on paper {n} times")
            elif job["status"] == "uncertain" and n > 1:
                found.append(f"uncertain receipt job {job['id']} is on paper {n} times")
        uncertain = {j["id"] for j in jobs.values() if j["status"] == "uncertain"}
        found += [f"a torn receipt of job {i}, which is not uncertain" for i in torn
                  if i not in uncertain]
        return found

    def summary(self) -> dict[str, Any]:
        rec = self.final
        assert rec is not None
        cut = [a for a in self.attempts if a.cut_off]
        jobs = [j for js in rec.jobs.values() for j in js]
        on_paper, torn = paper(self.kiosk.printer.read_bytes(), jobs)
        return {
            "kills": self.kills,
            "seed": self.seed,
            "acknowledged_hand_outs": len(self.acknowledged()),
            "hand_outs_cut_off_by_a_kill": len(cut),
            "cut_off_then_retried_with_the_same_nonce": sum(a.retry for a in cut),
            "retries_acknowledged": sum(a.retry and a.acknowledged is not None for a in cut),
            "cut_off_left_alone": sum(not a.retry for a in cut),
            "cut_off_left_alone_but_recorded": sum(
                not a.retry and a.nonce in rec.distributions for a in cut),
            "distributions": len(rec.distributions),
            "receipt_jobs": dict(rec.job_statuses()),
            "jobs_sending_at_a_kill": len(self.sending_at_kill),
            "receipts_on_paper": sum(on_paper.values()),
            "torn_receipts": len(torn),
            "outbox_events": dict(rec.outbox),
            "integrity_check": rec.integrity,
            "kill_after_s": _spread(self.kill_after_s),
            "restart_s": _spread(self.restart_s),
        }


def paper(stream: bytes, jobs: list[dict[str, Any]]) -> tuple[Counter[int], list[int]]:
    """What the printer got: how many times each job's receipt is on paper, whole, and the
    jobs of which only the start came out (a torn receipt). Receipts are told apart by their
    bytes; each starts with the same header (printer reset, building name)."""
    on_paper: Counter[int] = Counter()
    torn: list[int] = []
    if not stream:
        return on_paper, torn
    header = os.path.commonprefix([j["data"] for j in jobs])
    assert len(header) >= 8, "the receipts share no header to tell them apart"
    by_bytes = {j["data"]: j["id"] for j in jobs}
    pieces = stream.split(header)
    if pieces[0]:
        torn.append(-1)  # bytes before the first receipt: not from any job
    for piece in pieces[1:]:
        whole = header + piece
        if whole in by_bytes:
            on_paper[by_bytes[whole]] += 1
            continue
        starts = [j["id"] for j in jobs if j["data"].startswith(whole)]
        torn.append(starts[0] if len(starts) == 1 else -1)
    return on_paper, torn


def _spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    return {"min": round(ordered[0], 3), "median": round(ordered[len(ordered) // 2], 3),
            "max": round(ordered[-1], 3)}
