"""Property tests (hypothesis) of parameter validation against the live server (DESIGN §14):
whatever a cursor, code or date holds, the answer is 200 or a 400/422 problem — never a 500."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.server.helpers import Api

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
LISTS = ("/cases", "/households", "/persons", "/visits")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=80),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=12,
)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


cursors = st.one_of(
    json_values.map(lambda v: _b64(json.dumps(v).encode())),
    st.binary(max_size=200).map(_b64),
    st.text(max_size=120),
    st.integers(min_value=0, max_value=40).map(lambda n: _b64(("[" * n * 100 + "]" * n * 100).encode())),
)
# Digits of every script, superscripts, full-width forms, and ASCII codes of every length.
digit_chars = st.sampled_from("0123456789²³¹⁰٣٦۹०१１２３߀")
codes = st.one_of(st.text(digit_chars, max_size=18), st.text(max_size=20),
                  st.integers(min_value=0, max_value=10 ** 30).map(str))
dates = st.one_of(st.text(max_size=40), st.dates().map(str), st.datetimes().map(lambda d: d.isoformat()),
                  st.from_regex(r"\A[0-9]{1,5}-[0-9]{1,3}-[0-9]{1,3}([T ][0-9]{2}:[0-9]{2}([+-][0-9]{2}:[0-9]{2})?)?\Z"))


@pytest.fixture(scope="module")
def station(live_server, tokens):
    return Api(live_server.url, tokens("station-01"))


def _ok(r, *allowed) -> None:
    assert r.status_code in (200, 400, 422, *allowed), (r.status_code, r.request.url, r.text[:300])
    if r.status_code != 200:
        assert r.headers["content-type"].startswith("application/problem+json")


@SETTINGS
@given(cursor=cursors, path=st.sampled_from(LISTS))
@example(cursor="WyIiLCAiIl0", path="/persons")  # ["", ""]: two empty strings once paged from the start
@example(cursor="WyIwIiwgIjAiXQ", path="/households")  # ["0", "0"]: no grid code, no record id
@example(cursor="WyIwIiwgIjAiXQ", path="/visits")
def test_any_cursor_answers_a_page_or_a_problem(station, cursor, path):
    r = station.get(path, cursor=cursor)
    _ok(r)
    if r.status_code == 200 and cursor:
        pytest.fail(f"a cursor this server never gave out was accepted: {cursor!r}")


@SETTINGS
@given(cursor=cursors)
def test_any_pull_cursor_answers_changes_or_a_problem(station, cursor):
    _ok(station.get("/sync/pull", cursor=cursor, limit=5))


@SETTINGS
@given(code=codes, path=st.sampled_from(("/cases", "/households")))
def test_any_grid_code_answers_a_page_or_a_problem(station, code, path):
    r = station.get(path, grid=code)
    _ok(r)
    if r.status_code == 200 and code:
        assert code.isascii() and code.isdigit() and len(code) in (6, 9, 12, 15)


@SETTINGS
@given(code=codes)
def test_any_division_code_answers_figures_a_404_or_a_problem(station, code):
    _ok(station.get("/stats/overview", division=code), 404)
    _ok(station.get("/divisions", parent=code))


@SETTINGS
@given(since=dates)
def test_any_since_answers_a_page_or_a_problem(station, since):
    _ok(station.get("/visits", since=since))
