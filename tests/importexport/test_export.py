"""gridctl export against the real server: formats, masking, filters, and who may reveal."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest

from .conftest import run_subprocess


def server_persons(url: str, token: str) -> list[dict]:
    out, cursor = [], None
    while True:
        params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
        page = httpx.get(f"{url}/api/v1/persons", params=params, headers={"Authorization": f"Bearer {token}"}).json()
        out += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return out


def test_export_persons_csv_is_bom_utf8_masked_and_carries_household(gridctl, admin_env, ie_server, tmp_path):
    from tests.conftest import token_for

    out = tmp_path / "persons.csv"
    r = gridctl(admin_env, "export", "persons", "--out", str(out))
    assert r.exit_code == 0, r.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    expected = server_persons(ie_server.url, token_for(ie_server.url, "county-admin"))
    assert len(rows) == len(expected) > 0
    assert r.stderr.splitlines()[0].startswith(f"persons: {len(rows)} records written to {out} in ")
    assert "masked" in r.stderr
    first = rows[0]
    assert list(first)[:5] == ["household_no", "grid_code", "address", "name", "id_number"]
    assert all("*" in row["id_number"] for row in rows)
    assert all(row["phone"] == "" or "****" in row["phone"] for row in rows)
    assert all(row["household_no"].startswith(row["grid_code"]) for row in rows)  # demo numbering
    assert not list(tmp_path.glob(".*.part"))


def test_export_reveal_as_admin_gives_full_id_numbers_jsonl(gridctl, admin_env, tmp_path):
    out = tmp_path / "persons.jsonl"
    r = gridctl(admin_env, "export", "persons", "--format", "jsonl", "--reveal", "--out", str(out))
    assert r.exit_code == 0, r.stderr
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert items and all("*" not in p["id_number"] and len(p["id_number"]) == 18 for p in items)
    assert all(p["household_no"] and p["grid_code"] for p in items)


def test_reveal_is_refused_to_a_grid_worker(gridctl, worker_env, tmp_path):
    r = gridctl(worker_env, "export", "persons", "--reveal", "--out", str(tmp_path / "x.csv"))
    assert r.exit_code == 4
    assert "--reveal shows full ID numbers and phones and is for admins only; you are gw-001 (role gridworker)" in r.stderr
    assert not (tmp_path / "x.csv").exists()


def test_worker_export_is_scoped_and_masked(gridctl, worker_env):
    r = gridctl(worker_env, "export", "households", "--format", "jsonl")
    assert r.exit_code == 0, r.stderr
    items = [json.loads(line) for line in r.stdout.splitlines()]
    assert items and {h["grid_code"] for h in items} == {"610822100200001"}


def test_export_cases_with_list_filters(gridctl, admin_env):
    r = gridctl(admin_env, "export", "cases", "--format", "jsonl", "--status", "resolved", "--grid", "610822100200001")
    assert r.exit_code == 0, r.stderr
    items = [json.loads(line) for line in r.stdout.splitlines()]
    assert items and {c["status"] for c in items} == {"resolved"}
    assert all(c["grid_code"] == "610822100200001" for c in items)


def test_export_visits_csv_to_stdout_has_no_bom(gridctl, admin_env):
    r = gridctl(admin_env, "export", "visits")
    assert r.exit_code == 0, r.stderr
    assert not r.stdout.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows and all(row["household_no"] for row in rows)


def test_filter_that_does_not_apply(gridctl, admin_env):
    r = gridctl(admin_env, "export", "households", "--overdue")
    assert r.exit_code == 2
    assert "filter overdue does not apply to households" in r.stderr


def test_unknown_kind_is_a_usage_error(gridctl, admin_env):
    r = gridctl(admin_env, "export", "users")
    assert r.exit_code == 2


def test_export_piped_to_a_closed_reader_is_quiet(admin_env):
    # `gridctl export persons | head -1`: a closed pipe is the reader's choice, not an error.
    import subprocess
    import sys

    from .conftest import ROOT

    import os

    env = {**os.environ, **admin_env, "NO_COLOR": "1"}
    proc = subprocess.run(f"{sys.executable} -m gridctl export persons | head -1", shell=True, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.stdout.startswith("household_no,grid_code,address,name,id_number")
    assert "Traceback" not in proc.stderr


def test_export_not_logged_in(gridctl, tmp_path):
    env = {"GRIDCTL_CONFIG_DIR": str(tmp_path / "c"), "GRIDCTL_DATA_DIR": str(tmp_path / "d"), "GRIDCTL_LANG": "en"}
    r = gridctl(env, "export", "persons")
    assert r.exit_code == 4
    assert "gridctl auth login" in r.stderr


def _listed(url: str, **params) -> list[dict]:
    from tests.conftest import token_for

    token, out, cursor = token_for(url, "county-admin"), [], None
    while True:
        page = httpx.get(f"{url}/api/v1/persons", params={"limit": 1000, **params, **({"cursor": cursor} if cursor else {})},
                         headers={"Authorization": f"Bearer {token}"}).json()
        out += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return out


def test_search_and_tag_exports_stream_what_the_list_endpoint_finds(gridctl, admin_env, ie_server, monkeypatch):
    """--search and --tag go through /export (its first line names the filters it applied) and
    find exactly the people the list endpoint finds."""
    from gridctl import exporter

    def paged(*args, **kw):
        raise AssertionError("the list endpoints were used")

    monkeypatch.setattr(exporter, "_paged_rows", paged)
    for args, params in ((("--search", "61082210020000"), {"q": "61082210020000"}),
                         (("--tag", "elderly_alone"), {"tag": "elderly_alone"}),
                         (("--tag", "elderly_alone", "--search", "6108221002"), {"tag": "elderly_alone", "q": "6108221002"})):
        r = gridctl(admin_env, "export", "persons", "--format", "jsonl", *args)
        assert r.exit_code == 0, r.stderr
        exported = {json.loads(line)["id"] for line in r.stdout.splitlines()}
        listed = {p["id"] for p in _listed(ie_server.url, **params)}
        assert exported == listed and exported, args


def test_a_special_population_filter_needs_reveal(gridctl, admin_env, worker_env, tmp_path):
    """DESIGN 17: who belongs to a special population leaves in an export only with --reveal."""
    r = gridctl(worker_env, "export", "persons", "--tag", "drug_user")
    assert r.exit_code == 2
    assert "--tag drug_user is a special population" in r.stderr and "--reveal" in r.stderr
    r = gridctl(admin_env, "export", "households", "--tag", "severe_mental")
    assert r.exit_code == 2
    out = tmp_path / "revealed.jsonl"
    r = gridctl(admin_env, "export", "persons", "--tag", "drug_user", "--reveal", "--format", "jsonl", "--out", str(out))
    assert r.exit_code == 0, r.stderr
    assert all("drug_user" in json.loads(line)["tags"] for line in out.read_text(encoding="utf-8").splitlines())


def test_the_server_refuses_a_special_population_filter_without_reveal(ie_server):
    from tests.conftest import token_for

    headers = {"Authorization": f"Bearer {token_for(ie_server.url, 'county-admin')}"}
    r = httpx.get(f"{ie_server.url}/api/v1/export/persons", params={"tag": "drug_user"}, headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "sensitive_tag_needs_reveal"
    r = httpx.get(f"{ie_server.url}/api/v1/export/grids", params={"q": "x"}, headers=headers)
    assert r.status_code == 200 and json.loads(r.text.splitlines()[0])["filters"] == []  # not applied, and said
    r = httpx.get(f"{ie_server.url}/api/v1/export/persons", params={"q": "x"}, headers=headers)
    assert r.status_code == 200 and json.loads(r.text.splitlines()[0])["filters"] == ["q"]


def test_a_server_that_ignores_export_filters_is_not_taken_at_its_word():
    """An older server answers /export without applying --search: its stream is dropped and the
    list endpoints serve (which do filter)."""
    from gridctl.exporter import iter_records

    class Api:
        base_url = "http://127.0.0.1:9"
        closed = False

        def export_lines(self, kind, **params):
            try:
                yield json.dumps({"columns": ["id", "name"]})  # no "filters": it ignored q
                yield json.dumps([["1", "everyone"]])
                yield json.dumps({"rows": 1})
            finally:
                Api.closed = True

        def iterate(self, kind, page_size, **params):
            if kind == "households":
                return
            assert params == {"q": "zhang"}
            yield {"id": "2", "name": "zhang", "tags": [], "household_id": None}

    items = list(iter_records(Api(), "persons", me={"role": "admin"}, search="zhang"))
    assert [i["name"] for i in items] == ["zhang"] and Api.closed


@pytest.mark.parametrize("rows", [
    [["a", "b", "c"], ["", None, 3], [1.5, True, "x"]],
    [["a,b", 'say "hi"', "line\nbreak"], ["cr\rhere", " lead", "trail "], ["", "", ""], [None, None, None]],
    [["only"], [""], [None]],
    [["a", "b"], ["short"], ["x", "y", "z"], ["中文", "、", "|"]],
    [],
])
def test_csv_lines_are_what_csv_writer_writes(rows):
    from gridctl.exporter import _CsvLines

    expected = io.StringIO()
    csv.writer(expected).writerows(rows)
    width = len(rows[0]) if rows else 3
    assert _CsvLines(width).text([list(r) for r in rows]) == expected.getvalue()


__all__ = ["run_subprocess"]
