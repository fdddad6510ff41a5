"""A retried import batch answers what its first attempt did (server/services/receipts.py): through
a real proxy that cuts, garbles or resets answers after the server has applied the batch, the
summary still says every new row was created, once; a repeat of a key is answered from its
receipt; two attempts racing with one key apply it once and answer alike."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.conftest import token_for
from tests.core.faulty_proxy import FaultyProxy

from .test_import import endpoint, get  # noqa: F401  (the fixture)
from .test_import_neighbours import GRID, People, members, write


def _rows(n_households: int, size: int = 3) -> tuple[list[list[str]], list[str]]:
    people, tag = People(), uuid.uuid4().hex[:6]
    rows, houses = [], []
    for n in range(n_households):
        house = f"{GRID}R{tag}{n:04d}"
        houses.append(house)
        rows.append(people.row(house, f"户主{n}", "户主"))
        rows += [people.row(house, f"成员{n}-{i}", "子") for i in range(size - 1)]
    return rows, houses


def test_a_summary_through_a_faulty_network_counts_each_new_row_as_created(admin_env, ie_server, endpoint, tmp_path,
                                                                          monkeypatch):
    from gridctl import credentials
    from gridctl.api import ApiClient
    from gridctl.importer import run_import

    for k, v in admin_env.items():
        monkeypatch.setenv(k, v)
    rows, houses = _rows(100)
    path = tmp_path / "faulty.csv"
    write(path, rows)
    proxy = FaultyProxy(ie_server.port, fault_rate=0.4, seed=11)
    api = ApiClient(proxy.url, credentials.load_token("default"), timeout=120, retries=10)
    try:
        report = run_import(api, "persons", path, batch_size=10, lang="en")
    finally:
        api.close()
        proxy.close()
    faults = proxy.counts["cut"] + proxy.counts["garble"] + proxy.counts["reset"]
    assert faults >= 5, proxy.counts  # answers were lost after the server had applied their batch
    assert (report.created, report.updated, report.unchanged, report.rejected) == (300, 0, 0, 0), proxy.counts
    token = token_for(ie_server.url, "county-admin")
    for house in houses[::10]:
        _home, people_in = members(ie_server.url, token, house)
        assert len(people_in) == 3


def _post(url: str, token: str, rows: list[dict], key: str) -> httpx.Response:
    return httpx.post(url + "/api/v1/import/persons", json={"rows": rows}, timeout=120,
                      headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})


def _as_dicts(rows: list[list[str]]) -> list[dict]:
    fields = ["household_no", "grid_code", "address", "name", "id_number", "sex", "birth_date", "relation_to_head",
              "phone", "tags", "residence", "care_level"]
    out = []
    for row in rows:
        d = {f: v for f, v in zip(fields, row) if v}
        d["relation_to_head"] = "head" if d["relation_to_head"] == "户主" else "son"
        d["residence"] = "registered"
        out.append(d)
    return out


def test_a_repeated_key_answers_from_its_receipt(ie_server, endpoint):
    rows = _as_dicts(_rows(4)[0])
    token = token_for(ie_server.url, "county-admin")
    key = uuid.uuid4().hex
    first = _post(ie_server.url, token, rows, key)
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["rejected"]) == (12, 0), first.text
    again = _post(ie_server.url, token, rows, key)
    assert again.status_code == 200 and again.json() == first.json()
    # A new key is a new request: the rows are there now, and it says so.
    fresh = _post(ie_server.url, token, rows, uuid.uuid4().hex)
    assert (fresh.json()["created"], fresh.json()["unchanged"]) == (0, 12), fresh.text
    # A bad key is refused naming the header, before anything is done.
    bad = _post(ie_server.url, token, rows, "no spaces allowed")
    assert bad.status_code == 422 and "Idempotency-Key" in bad.text, bad.text


def test_two_attempts_racing_with_one_key_apply_it_once_and_answer_alike(ie_server, endpoint):
    rows = _as_dicts(_rows(300)[0])
    token = token_for(ie_server.url, "county-admin")
    key = uuid.uuid4().hex
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: _post(ie_server.url, token, rows, key), range(2)))
    assert [a.status_code for a in answers] == [200, 200], [a.text[:300] for a in answers]
    bodies = [a.json() for a in answers]
    assert bodies[0] == bodies[1]
    assert (bodies[0]["created"], bodies[0]["rejected"]) == (900, 0)
