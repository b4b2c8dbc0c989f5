"""Put the corpus's trusted issuers, keys, badge classes and revocation lists into a kiosk's
cache tables, the way an import would, so that tests can scan signed proofs end to end."""

from __future__ import annotations

import json

from kiosk.db import write_transaction
from kiosk.domain.slips import public_key_text
from kiosk.models import BadgeClass, Issuer, IssuerKey, RevocationList
from kiosk.services import lookups
from kiosk.services.district_keys import trust_district_key
from tests import corpus as c
from tests import factories as f
from tests.unit.jws_helpers import jwk_of, public_pem


def load_trust(corpus: c.Corpus, *, tie_badges: bool = True) -> None:
    """Inside an app context: the corpus's trust facts as cache rows. The OB 2.0 BadgeClass
    is tied to the Trauma credential and the OB 3.0 achievement to Balance."""
    with write_transaction() as s:
        s.add(Issuer(id=c.OB2_ISSUER, name=c.OB2_ISSUER_NAME, version="ob2",
                     key_ids=json.dumps([c.OB2_KEY_ID]), revocation_list=c.OB2_REVOCATIONS,
                     document="{}"))
        s.add(IssuerKey(id=c.OB2_KEY_ID, owner=c.OB2_ISSUER, kind="pem",
                        material=public_pem(corpus.ob2_key)))
        for name in ("rsa", "p256"):
            issuer_id = corpus.issuer_id(name)
            s.add(Issuer(id=issuer_id, name=c.OB3_ISSUER_NAMES[name], version="ob3",
                         key_ids=None, revocation_list="", document="{}"))
            s.add(IssuerKey(id=f"{issuer_id}#{c.KIDS[name]}", owner=issuer_id,
                            kid=c.KIDS[name], kind="jwk",
                            material=json.dumps(jwk_of(corpus.signing_key(name)))))
        s.add(Issuer(id=corpus.did, name=c.OB3_ISSUER_NAMES["did"], version="ob3",
                     key_ids=None, revocation_list="", document="{}"))
        trauma = lookups.credential_named(f.TRAUMA).id if tie_badges else None
        balance = lookups.credential_named(f.BALANCE).id if tie_badges else None
        s.add(BadgeClass(id=c.OB2_BADGE, issuer_id=c.OB2_ISSUER, name=c.OB2_BADGE_NAME,
                         credential_id=trauma))
        s.add(BadgeClass(id=c.OB3_ACHIEVEMENT, issuer_id=c.OB3_RSA,
                         name=c.OB3_ACHIEVEMENT_NAME, credential_id=balance))
        facts = corpus.facts()
        s.add(RevocationList(id=c.OB2_REVOCATIONS, kind="ob2", issuer_id=c.OB2_ISSUER,
                             document=json.dumps(facts.revocation_lists[c.OB2_REVOCATIONS])))
        s.add(RevocationList(id=c.OB3_REVOCATIONS, kind="ob3", issuer_id=c.OB3_RSA,
                             document=json.dumps(facts.revocation_lists[c.OB3_REVOCATIONS])))
        s.add(RevocationList(id=c.OB3_STATUS, kind="bitstring", issuer_id=c.OB3_RSA,
                             document=json.dumps(corpus.status_list_credential())))
    trust_district_key(public_key_text(corpus.district_key.public_key()))


def revoke_in_cache(list_id: str, document: dict[str, object]) -> None:
    """Replace a cached revocation list, as a re-import would."""
    with write_transaction() as s:
        row = s.get(RevocationList, list_id)
        assert row is not None
        row.document = json.dumps(document)
