"""What an outbox write is about, in the words a worker knows the record by (DESIGN §12: waiting
and refused writes stay visible — and recognisable). "person.upsert rejected" alone does not say
WHICH person; the label names them: a person by name (ID number masked, for every role: a label
is an identifier, not the record), their household's number; a household by number and address;
a report by its title; a case action by the case's serial or title; a visit by its household.

Taken from the write's own payload first, then the local cache. Never a network call.
"""

from __future__ import annotations

from gridctl.i18n import get_lang, joined, t
from gridctl.store import Store

LONGEST = 24  # characters of a title or an address in a label


def _short(text) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= LONGEST else text[: LONGEST - 1] + "…"


class Subjects:
    """Labels for many writes at once; cached records are read once each."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._seen: dict[tuple[str, str], dict | None] = {}

    def _get(self, entity: str, record_id) -> dict:
        if not record_id:
            return {}
        key = (entity, str(record_id))
        if key not in self._seen:
            try:
                self._seen[key] = self.store.get(entity, str(record_id))
            except Exception:  # noqa: BLE001 - a label is never worth a failure
                self._seen[key] = None
        return self._seen[key] or {}

    def _household_no(self, household_id) -> str:
        return str(self._get("household", household_id).get("household_no") or "")

    def about(self, item: dict) -> str:
        """One short label for an outbox item (``type``, ``entity_id``, ``payload``)."""
        kind = str(item.get("type") or "")
        payload = item.get("payload") if isinstance(item.get("payload"), dict) else {}
        maker = getattr(self, "_" + kind.replace(".", "_"), None)
        text = maker(payload, item) if maker else ""
        return text or t("subject.unknown", id=str(item.get("entity_id") or "")[:18])

    def _person_upsert(self, payload: dict, item: dict) -> str:
        from schemas.validators import mask_id_number

        cached = self._get("person", item.get("entity_id"))
        name = payload.get("name") or cached.get("name") or ""
        text = t("subject.person", name=name) if name else t("subject.person_unnamed", id=str(item.get("entity_id"))[:8])
        number = mask_id_number(payload.get("id_number") or cached.get("id_number"))
        if number:
            text += t("subject.id_number", id_number=number)
        no = self._household_no(payload.get("household_id") or cached.get("household_id"))
        if no:
            text += t("subject.of_household", no=no)
        return text

    def _household_upsert(self, payload: dict, item: dict) -> str:
        cached = self._get("household", item.get("entity_id"))
        no = payload.get("household_no") or cached.get("household_no") or str(item.get("entity_id"))[:8]
        address = payload.get("address") or cached.get("address")
        text = t("subject.household", no=no)
        return text + t("subject.address", address=_short(address)) if address else text

    def _case_report(self, payload: dict, item: dict) -> str:
        title = payload.get("title") or self._get("case", item.get("entity_id")).get("title") or ""
        return t("subject.report", title=_short(title))

    def _case_ref(self, case_id) -> str:
        case = self._get("case", case_id)
        if case.get("serial"):
            return case["serial"]
        if case.get("title"):
            return t("subject.quoted", title=_short(case["title"]))
        return str(case_id or "")[:8]

    def _case_act(self, payload: dict, item: dict) -> str:
        from schemas.codes import label

        action = label("action", payload.get("action"), get_lang()) if payload.get("action") else ""
        return t("subject.case_act", action=action, case=self._case_ref(payload.get("case_id") or item.get("entity_id")))

    def _visit_log(self, payload: dict, item: dict) -> str:
        cached = self._get("visit", item.get("entity_id"))
        household_id = payload.get("household_id") or cached.get("household_id")
        no = self._household_no(household_id) or str(household_id or "")[:8]
        text = t("subject.visit", no=no)
        names = [self._get("person", p).get("name") for p in payload.get("person_ids") or []]
        names = [n for n in names if n]
        return text + t("subject.people", names=joined(names)) if names else text

    def _alert_ack(self, payload: dict, item: dict) -> str:
        alert = self._get("alert", payload.get("alert_id") or item.get("entity_id"))
        text = alert.get("text") or {}
        what = text.get(get_lang()) or text.get("en") or alert.get("kind") or str(item.get("entity_id"))[:8]
        return t("subject.alert", what=_short(what))

