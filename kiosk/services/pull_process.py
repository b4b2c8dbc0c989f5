"""A long pull in a process of its own (:mod:`own_process`), so that the desk keeps the
server's interpreter.

A routine pull is a page or less and stays in the server. A pull of more than one page (a
kiosk's first pull of a big district, a roster the district re-imported) reads, checks and
prepares hundreds of thousands of awards in Python: the server hands it to
``kiosk sync pull --child`` and waits for its one-line JSON answer. The child goes on from the
cursor the server left; a pull cut off (the child killed, the server stopped) starts again from
the last page written, every change being idempotent.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from kiosk.sync.client import HubRefused, HubUnreachable

from . import own_process


@dataclass
class PullAnswer:
    """What the child says, on the last line of its stdout."""

    pulled: int = 0
    error: str = ""
    refused_status: int = 0
    refused_code: str = ""

    def to_line(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_output(cls, stdout: str) -> PullAnswer | None:
        found = own_process.answer_in(stdout)
        return None if found is None else cls.of(found)

    @classmethod
    def of(cls, found: dict[str, Any]) -> PullAnswer:
        return cls(pulled=int(found.get("pulled") or 0), error=str(found.get("error") or ""),
                   refused_status=int(found.get("refused_status") or 0),
                   refused_code=str(found.get("refused_code") or ""))


def child_command(timeout: float) -> list[str]:
    return own_process.kiosk_command("sync", "pull", "--child", "--timeout", str(timeout))


def pull_in_child(timeout: float) -> int:
    """Run the rest of the pull in a child process; the changes it pulled. Raises as an
    in-process pull would: HubRefused, or HubUnreachable for anything else that stopped it."""
    try:
        answer = PullAnswer.of(own_process.run(child_command(timeout)))
    except own_process.ChildStopped as exc:
        raise HubUnreachable(f"the pull's own process {exc}") from None
    if answer.refused_status:
        raise HubRefused(answer.refused_status, answer.refused_code, answer.error)
    if answer.error:
        raise HubUnreachable(answer.error)
    return answer.pulled
