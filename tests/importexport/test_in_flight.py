"""Two batches of a file are in flight at once (gridctl/importer.py): which rows of the next batch
must wait for the server's answer on one still in flight before they are checked and sent."""

from __future__ import annotations

def _rows(kind: str, cleans: list[dict]):
    from gridctl.importer import _Row

    return [_Row(line=i + 2, original={}, data=[], clean=c) for i, c in enumerate(cleans)]


def _flight(kind: str, cleans: list[dict]):
    from gridctl.importer import _Flight

    rows = _rows(kind, cleans)
    return _Flight(kind, rows, rows, None)


def test_a_person_batch_waits_only_for_what_the_answer_decides():
    def person(idn, no, grid="610822100200001", rel="son"):
        return {"id_number": idn, "household_no": no, "grid_code": grid, "relation_to_head": rel}

    flying = _flight("persons", [person("A", "H1", rel="head"), person("B", "H1")])
    assert flying.future.done()  # nothing was sent for it here: its "answer" is at hand
    # a new person of the same household, same grid, not its head: checked and sent at once
    assert not flying.clashes(_rows("persons", [person("C", "H1")]))
    assert not flying.clashes(_rows("persons", [person("D", "H2", rel="head")]))
    # the same person again, the household in another grid, a head for it: the answer decides
    assert flying.clashes(_rows("persons", [person("A", "H9")]))
    assert flying.clashes(_rows("persons", [person("C", "H1", grid="610822100200002")]))
    assert flying.clashes(_rows("persons", [person("C", "H1", rel="head")]))
    # rows that failed their own checks decide nothing
    rejected = _rows("persons", [person("A", "H1")])
    rejected[0].clean = None
    assert not flying.clashes(rejected)


def test_a_division_waits_for_its_parent_in_flight():
    flying = _flight("divisions", [{"code": "610822150"}])
    assert flying.clashes(_rows("divisions", [{"code": "610822150200"}]))
    assert flying.clashes(_rows("divisions", [{"code": "610822150"}]))
    assert not flying.clashes(_rows("divisions", [{"code": "610822151200"}]))
    users = _flight("users", [{"username": "gw-9"}])
    assert users.clashes(_rows("users", [{"username": "gw-9"}])) and not users.clashes(_rows("users", [{"username": "gw-8"}]))
