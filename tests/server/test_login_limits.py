"""Login limits (DESIGN §14): counted atomically in the database, per (user, address) and per
address, with exponential back-off; an attacker at one address never locks the rightful user
out at another. Each test has servers of its own, so the shared server's counters stay clean.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.conftest import PASSWORD, LiveServer

LIMIT = 5  # the default login_max_failures


def _client(local: str) -> httpx.Client:
    # Bind the client's side of the connection: the server sees this address.
    return httpx.Client(transport=httpx.HTTPTransport(local_address=local), timeout=30)


def _login(server, username: str, password: str, local: str = "127.0.0.1") -> httpx.Response:
    with _client(local) as c:
        return c.post(server.url + "/api/v1/auth/token", json={"username": username, "password": password})


def _flood(urls: list[str], username: str, n: int = 30, local: str = "127.0.0.1") -> list[int]:
    def one(i: int) -> int:
        with _client(local) as c:
            return c.post(urls[i % len(urls)] + "/api/v1/auth/token",
                          json={"username": username, "password": f"wrong-{i}"}).status_code

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def test_thirty_concurrent_wrong_passwords_get_at_most_the_limit_of_answers_other_than_429(server_factory):
    server = server_factory()
    codes = _flood([server.url], "gw-003")
    assert sum(c != 429 for c in codes) == LIMIT and set(codes) == {401, 429}, codes


def test_the_limit_holds_across_two_server_processes_on_one_database(server_factory, tmp_path):
    first = server_factory()
    second = LiveServer(first.db_path, scale=None, db=first.db).start()  # same database, another process and port
    try:
        codes = _flood([first.url, second.url], "gw-004")
    finally:
        second.stop()
    assert sum(c != 429 for c in codes) == LIMIT, codes


def test_an_attacker_at_one_address_never_locks_out_the_rightful_user_at_another(server_factory):
    server = server_factory()
    codes = _flood([server.url], "gw-001", local="127.0.0.1")
    assert codes.count(429) == 30 - LIMIT
    # The correct password from the attacker's address is limited too ...
    assert _login(server, "gw-001", PASSWORD, "127.0.0.1").status_code == 429
    # ... but the rightful user at another address logs in at once, repeatedly.
    for _ in range(3):
        r = _login(server, "gw-001", PASSWORD, "127.0.0.2")
        assert r.status_code == 200, r.text
    # A typo of the rightful user counts against their address only.
    assert _login(server, "gw-001", "typo", "127.0.0.2").status_code == 401
    assert _login(server, "gw-001", PASSWORD, "127.0.0.2").status_code == 200


def test_a_password_spray_over_many_usernames_is_limited_per_address(server_factory):
    server = server_factory()
    users = [f"gw-{i:03d}" for i in range(1, 13)]
    codes = [_login(server, u, "spray", "127.0.0.3").status_code for u in users]
    assert codes.count(401) == 10 and codes.count(429) == 2, codes  # login_max_failures_per_address
    assert _login(server, "gw-012", PASSWORD, "127.0.0.3").status_code == 429
    assert _login(server, "gw-012", PASSWORD, "127.0.0.4").status_code == 200


def test_back_off_doubles_after_each_failure_past_the_limit(server_factory):
    server = server_factory()
    for _ in range(LIMIT):
        assert _login(server, "gw-005", "wrong").status_code == 401
    first = _login(server, "gw-005", "wrong")
    assert first.status_code == 429 and 250 <= int(first.headers["Retry-After"]) <= 300

    # Let the block run out (move it into the past in the database), fail once more: twice as long.
    server.db.execute("UPDATE login_attempts SET blocked_until = '2000-01-01T00:00:00+08:00' WHERE key LIKE 'user:gw-005%'")
    assert _login(server, "gw-005", "wrong").status_code == 401
    r = _login(server, "gw-005", "wrong")
    assert r.status_code == 429 and 550 <= int(r.headers["Retry-After"]) <= 600
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "login_limited"


def test_successful_logins_give_their_reservation_back(server_factory):
    server = server_factory()
    for _ in range(3 * LIMIT):
        assert _login(server, "village-01", PASSWORD).status_code == 200
    rows = dict(server.db.rows("SELECT key, failures FROM login_attempts"))
    assert set(rows.values()) == {0}, json.dumps(rows)


def test_forwarded_headers_do_not_choose_the_counted_address(server_factory):
    server = server_factory()
    for i in range(LIMIT):
        with _client("127.0.0.1") as c:
            c.post(server.url + "/api/v1/auth/token", json={"username": "gw-006", "password": "x"},
                   headers={"X-Forwarded-For": f"10.0.0.{i}"})
    assert _login(server, "gw-006", PASSWORD, "127.0.0.1").status_code == 429
