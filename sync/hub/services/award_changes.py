"""What a kiosk is told about an award of the district's (a change of kind ``award``), as the
roster import and a revocation list make it."""

from __future__ import annotations

from datetime import date
from typing import Any

from kiosk.domain.payload import MalformedPayload, award_keys


def iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, date) else None


AWARD_FIELDS = ("employee_id", "person_name", "email", "building", "credential_id",
                "issued_on", "expires_on", "revoked", "revocation_reason", "aliases")


def award_change(r: dict[str, Any], credential: str) -> dict[str, Any]:
    """What a kiosk is told about an award, with the keys it is found under (worked out once
    here, not by every kiosk: a first pull brings the whole district)."""
    aliases = r["aliases"].split()
    return {"id": r["id"], "employee_id": r["employee_id"], "name": r["person_name"],
            "email": r["email"], "building": r["building"], "credential": credential,
            "issued_on": iso(r["issued_on"]), "expires_on": iso(r["expires_on"]),
            "revoked": r["revoked"], "revocation_reason": r["revocation_reason"],
            "aliases": aliases, "keys": _keys(r["id"], aliases)}


def _keys(award_id: str, aliases: list[str]) -> list[str]:
    """The keys a kiosk finds the award under. A link on a platform the kiosk knows (Badgr,
    Credly) is found by its platform key, which every spelling of the link gives; its plain
    ``url:`` key would only add a third row per award to every kiosk's cache."""
    found: list[str] = []
    for identifier in (award_id, *aliases):
        try:
            keys = award_keys(identifier)
        except MalformedPayload:
            continue
        if any(not k.startswith("url:") for k in keys):
            keys = tuple(k for k in keys if not k.startswith("url:"))
        found += [k for k in keys if k not in found]
    return found
