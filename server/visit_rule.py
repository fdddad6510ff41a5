"""Which visits count for a person, as SQL (the rule is ``schemas.population.visit_counts_for``).

Visit coverage (stats, index) and ``visit_overdue`` alerts join each tagged person to their
household's visits on this condition, so the three agree with the CLI's ``visit due``: a visit
counts when the person was met and it names them or names no one. ``person_ids`` is the JSON
text of a list of UUIDs, so "names them" is a substring test, which both databases do alike.
"""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select, text, true

from server.db import TAGGED_PREDICATE, persons, visits
from server.scope import prefix_clause


def followed_people(code: str) -> tuple:
    """WHERE conditions of the people visits are due to under division ``code``: tagged (the
    predicate's literal text, so the partial index serves it) and still in the register (DESIGN 17)."""
    return (prefix_clause(persons.c.grid_code, code), text(f"persons.{TAGGED_PREDICATE}"),
            persons.c.status == "active")


def counts_for_person():
    """The join condition of ``persons`` to the visits that count for each person."""
    return and_(visits.c.household_id == persons.c.household_id, visits.c.met == true(),
                or_(visits.c.person_ids == "[]", visits.c.person_ids.contains(persons.c.id)))


def last_visits(conn, person_ids: list[str]) -> dict[str, tuple[str, str | None]]:
    """person id → (the time of their last visit that counted, the next visit it planned or
    None), for those of ``person_ids`` ever visited."""
    ranked = (select(persons.c.id.label("person_id"), visits.c.visited_at, visits.c.next_visit_due,
                     func.row_number().over(partition_by=persons.c.id, order_by=visits.c.visited_at.desc())
                     .label("n"))
              .select_from(persons.join(visits, counts_for_person()))
              .where(persons.c.id.in_(person_ids)).subquery())
    rows = conn.execute(select(ranked.c.person_id, ranked.c.visited_at, ranked.c.next_visit_due)
                        .where(ranked.c.n == 1))
    return {r.person_id: (r.visited_at, r.next_visit_due) for r in rows}
