"""Special populations and visit frequencies (DESIGN 3 and 17), shared by client and server.

Special populations of GB/T 31000 are sensitive personal information (PIPL): their tags, the
``key_person_type`` sub-category and the ``risk_level`` of a severe mental disorder leave the
server only for the roles that follow the person (the grid worker, village, station, county in
scope, and admin) — never for a unit user, never in an export without ``--reveal``. Veterans and
people in extreme poverty are followed monthly too, but their tags are not sensitive: they are
welfare categories the whole register works with.

Standard library only: the CLI's ``visit due`` computes from its cache without pydantic.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable, Mapping

SENSITIVE_TAGS = frozenset({
    "released_prisoner", "community_correction", "severe_mental", "drug_user", "key_youth", "key_petitioner",
})
# Attributes that travel with a sensitive tag and are hidden with it.
SENSITIVE_FIELDS = ("key_person_type", "risk_level")
# Roles that see special populations in their scope (a unit user does not: DESIGN 15, 17).
SEES_SENSITIVE = frozenset({"gridworker", "village", "station", "county", "admin"})

# Visit frequencies in days (server-configurable defaults; "household" is any household).
DEFAULT_VISIT_FREQUENCY_DAYS: dict[str, int] = {
    "elderly_alone": 7,
    "key_person": 30,
    "left_behind_elderly": 30,
    "left_behind_child": 30,
    "left_behind_woman": 30,
    "disabled": 90,
    "low_income": 90,
    "released_prisoner": 30,
    "community_correction": 30,
    "drug_user": 30,
    "key_youth": 30,
    "key_petitioner": 30,
    "veteran": 30,
    "extreme_poverty": 30,
    # Severe mental disorder: quarterly at risk 0-2, every 14 days at risk 3 or more.
    "severe_mental": 90,
    "severe_mental_high_risk": 14,
    "household": 365,
}
HIGH_RISK = 3  # risk level from which a severe mental disorder is visited as high risk
PSEUDO_KEYS = frozenset({"severe_mental_high_risk", "household"})

PERSON_STATUSES = ("active", "moved_out", "deceased")


def is_sensitive(person: Mapping) -> bool:
    """Does this person record carry special-population data?"""
    return bool(set(person.get("tags") or ()) & SENSITIVE_TAGS) or bool(person.get("key_person_type"))


def visible_record(person: dict, role: str) -> dict:
    """The person as ``role`` may see it: sensitive tags and their attributes removed for roles
    that do not follow special populations."""
    if role in SEES_SENSITIVE:
        return person
    out = dict(person, tags=[t for t in person.get("tags") or [] if t not in SENSITIVE_TAGS])
    for name in SENSITIVE_FIELDS + ("followed_since",):  # the day says that someone is followed
        if name in out:
            out[name] = None
    return out


def frequency_key(tag: str, risk_level: int | None) -> str:
    """The frequency table's key for ``tag``: severe mental disorder at high risk has its own."""
    if tag == "severe_mental" and risk_level is not None and risk_level >= HIGH_RISK:
        return "severe_mental_high_risk"
    return tag


def visit_every_days(tags: Iterable[str], risk_level: int | None,
                     frequencies: Mapping[str, int] = DEFAULT_VISIT_FREQUENCY_DAYS) -> tuple[list[str], int | None]:
    """(the tags that set a visit frequency, the shortest of their frequencies in days)."""
    followed = [t for t in tags if t in frequencies and t not in PSEUDO_KEYS]
    if not followed:
        return [], None
    return followed, min(frequencies[frequency_key(t, risk_level)] for t in followed)


# Which visits count for a person's visit frequency (DESIGN 3 and 17). A visit is logged for a
# household; it counts for a person when the worker met them (a phone call nobody answered, or a
# door nobody opened, is logged with ``--not-met`` and is not a visit of anyone) and it names them,
# or names no one — a visit of the whole household, everyone who lives there. Visiting the elderly
# father does not visit the son with a severe mental disorder: the 14-day rule is about seeing him.
def visit_counts_for(visit: Mapping, person_id: str) -> bool:
    """Does ``visit`` (a visit record) count as a visit of the person ``person_id``?"""
    if not visit.get("met", True):
        return False
    named = visit.get("person_ids") or []
    return not named or person_id in named


def due_date(last: date | None, every: int, planned: date | None, today: date,
             since: date | None = None) -> date:
    """When the person's next visit is due: their frequency after the last visit that counted for
    them, or earlier when that visit planned the next one sooner (``--next-visit``); a plan later
    than the rule does not postpone it. Never visited: their frequency after the day they came to be
    followed (``since``, see ``followed_since``), or today when that day is not known."""
    if last is None:
        return today if since is None else since + timedelta(days=every)
    due = last + timedelta(days=every)
    if planned is not None and last <= planned < due:
        return planned
    return due


# A person never visited is due their first visit one frequency after the day they came to be
# followed: the day a special-population tag was given to someone who had none (a registration
# with one counts). The server keeps that day (``persons.followed_since``), so that the due list,
# the ``visit_overdue`` alert and the figures all start the same clock; a person whose last tag
# is taken off has none, and a new one starts it again.
FOLLOWED_TAGS = frozenset(t for t in DEFAULT_VISIT_FREQUENCY_DAYS if t not in PSEUDO_KEYS)


def followed_since(old_tags: Iterable[str] | None, new_tags: Iterable[str], stored: str | None,
                   today: date) -> str | None:
    """The ``followed_since`` day (ISO text) a person has once their tags go from ``old_tags``
    (None: a new person) to ``new_tags``: the stored day while they stay followed, today when they
    become followed, None when they are not."""
    if FOLLOWED_TAGS.isdisjoint(new_tags):
        return None
    if stored and old_tags is not None and not FOLLOWED_TAGS.isdisjoint(old_tags):
        return stored
    return today.isoformat()
