"""The core's small parts: errors, ids, profiles, refs and the HTTP client's retries and errors."""

from __future__ import annotations

import http.server
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest


# --- errors -----------------------------------------------------------------------------

def test_errors_carry_exit_codes_and_say_the_fix_in_both_languages():
    from gridctl import errors
    from gridctl.i18n import set_lang

    codes = {errors.UsageError: 2, errors.InvalidInput: 2, errors.PartlyDone: 3, errors.NotLoggedIn: 4,
             errors.AuthFailed: 4, errors.Forbidden: 4, errors.NotFound: 5, errors.Unreachable: 8,
             errors.ServerError: 1, errors.GridctlError: 1}
    assert {cls: cls.exit_code for cls in codes} == codes
    err = errors.NotLoggedIn()
    try:
        set_lang("en")
        assert "gridctl auth login --server URL --username NAME" in str(err)
        set_lang("zh")
        zh = str(err)
        assert "gridctl auth login" in zh and any("\u4e00" <= ch <= "\u9fff" for ch in zh)
    finally:
        set_lang("en")
    unreachable = errors.Unreachable(server="http://10.0.0.9:8000")
    assert "http://10.0.0.9:8000" in str(unreachable) and "gridctl sync" in str(unreachable)
    refused = errors.InvalidInput("core.ref.too_short", field="id", ref="abc")
    assert refused.field == "id" and refused.params == {"ref": "abc"} and "8" in str(refused)


# --- ids --------------------------------------------------------------------------------

def test_ids_are_uuid7_in_time_order_and_refs_are_told_apart():
    import uuid

    from gridctl.ids import is_full_id, is_id_prefix, made_at, new_id

    ids = [new_id() for _ in range(200)]
    assert len(set(ids)) == 200
    assert all(uuid.UUID(i).version == 7 and uuid.UUID(i).variant == uuid.RFC_4122 for i in ids)
    assert [i[:13] for i in ids] == sorted(i[:13] for i in ids)  # the millisecond part never goes back
    assert abs(made_at(ids[0]) - datetime.now(timezone.utc)) < timedelta(seconds=5)
    assert made_at("6f1c2a4e-0000-4000-8000-000000000000") is None  # a v4 id carries no time
    assert is_full_id(ids[0].upper()) and not is_full_id(ids[0][:-1])
    assert is_id_prefix(ids[0][:8]) and not is_id_prefix(ids[0][:7])
    assert not is_id_prefix("%%%%%%%%") and not is_id_prefix("610822-20261122-0007x")


# --- profiles and config ----------------------------------------------------------------

def test_profile_choice_flag_then_environment_then_default(dirs, monkeypatch):
    from gridctl.config import load_config, save_config
    from gridctl.errors import NotLoggedIn, UsageError

    with pytest.raises(NotLoggedIn):
        load_config().resolve_profile()
    config = load_config()
    config.add_profile("home", "http://127.0.0.1:1", "gw-001")
    config.add_profile("work", "http://127.0.0.1:2", "gw-002")
    save_config(config)
    config = load_config()
    assert config.resolve_profile().name == "home"  # the first one became the default
    monkeypatch.setenv("GRIDCTL_PROFILE", "work")
    assert config.resolve_profile().name == "work"
    assert config.resolve_profile("home").name == "home"
    with pytest.raises(UsageError) as unknown:
        config.resolve_profile("nope")
    assert "home, work" in str(unknown.value) and unknown.value.exit_code == 2


def test_config_write_is_atomic_when_the_disk_fails_midway(dirs, monkeypatch):
    import os

    from gridctl import config as cfg

    c = cfg.load_config()
    c.add_profile("a", "http://127.0.0.1:1", "gw-001")
    path = cfg.save_config(c)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    c.set("lang", "zh")
    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        cfg.save_config(c)
    monkeypatch.undo()
    assert path.read_bytes() == before  # the old file, whole
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml"]  # no half-written leftovers


def test_a_broken_config_file_is_named_with_the_fix(dirs):
    from gridctl.config import config_path, load_config
    from gridctl.errors import InvalidInput

    config_path().parent.mkdir(parents=True)
    config_path().write_text("default_profile = \n")
    with pytest.raises(InvalidInput) as broken:
        load_config()
    assert str(config_path()) in str(broken.value) and "TOML" in str(broken.value)


def test_config_values_with_quotes_and_chinese_survive_a_round_trip(dirs):
    from gridctl.config import dumps, load_config, save_config
    from gridctl.errors import InvalidInput

    c = load_config()
    with pytest.raises(InvalidInput):
        c.add_profile("县 中心", "http://127.0.0.1:1", "gw-001")  # names become file names: kept plain
    c.add_profile("county", "http://grid.example.gov.cn/路径", 'gw "quoted" \\ name')
    save_config(c)
    again = load_config()
    assert again.profiles["county"] == {"server": "http://grid.example.gov.cn/路径", "username": 'gw "quoted" \\ name'}
    assert dumps({"a": {"b": {"c": 1}}}).strip().endswith("c = 1")


# --- refs -------------------------------------------------------------------------------

def test_refs_by_id_prefix_serial_and_the_errors_of_bad_ones(dirs):
    from gridctl import ops
    from gridctl.config import Profile, load_config, save_config
    from gridctl.errors import InvalidInput, NotFound

    config = load_config()
    config.add_profile("p", "http://127.0.0.1:9", "gw-001")
    save_config(config)
    client = ops.Client(Profile("p", "http://127.0.0.1:9", "gw-001"), offline=True)
    try:
        a = {"id": "01a20000-0000-7000-8000-00000000000a", "serial": "610822-20261122-0007", "status": "reported",
             "level": "grid", "title": "甲"}
        b = {"id": "01a20000-0000-7000-8000-0000000000bb", "serial": None, "status": "reported", "level": "grid",
             "title": "乙"}
        for case in (a, b):
            client.store.put("case", case)
        find = lambda ref: ops.resolve(client, "case", ref, extra_column="serial")["title"]
        assert find(a["id"]) == "甲" and find("610822-20261122-0007") == "甲" and find(b["id"][:-1]) == "乙" and find(a["id"][:-1]) == "甲"
        with pytest.raises(InvalidInput) as ambiguous:
            find("01a20000")
        assert "610822-20261122-0007" in str(ambiguous.value) and b["id"] in str(ambiguous.value)
        with pytest.raises(NotFound) as missing:
            find("01a2ffff")
        assert missing.value.exit_code == 5
        with pytest.raises(NotFound):
            find("________")  # LIKE wildcards are not taken as a prefix
        with pytest.raises(InvalidInput) as short:
            ops.resolve(client, "person", "01a2")
        assert "8" in str(short.value)
    finally:
        client.close()


# --- the HTTP client --------------------------------------------------------------------

class _Flaky(http.server.BaseHTTPRequestHandler):
    """A loopback server that is busy (503 + Retry-After) for its first answers, then fine."""

    busy_left = 0
    seen: list[float] = []

    def do_GET(self):  # noqa: N802 - the http.server API
        type(self).seen.append(time.monotonic())
        if self.path.endswith("/missing"):
            return self._answer(404, b'{"type":"about:blank","title":"Not Found","status":404,"detail":"no case"}')
        if self.path.endswith("/limited"):
            return self._answer(422, b'{"title":"Invalid input","status":422,"detail":"limit: at most 1000",'
                                     b'"errors":[{"field":"limit","message":"at most 1000"}]}')
        if type(self).busy_left > 0:
            type(self).busy_left -= 1
            return self._answer(503, b'{"title":"busy","status":503}', {"Retry-After": "1"})
        return self._answer(200, b'{"status":"ok","version":"test"}')

    def do_POST(self):  # noqa: N802
        type(self).seen.append(time.monotonic())
        return self._answer(503, b'{"title":"busy","status":503}', {"Retry-After": "1"})

    def _answer(self, status, body, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", "application/problem+json" if status >= 400 else "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def flaky():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Flaky.seen = []
    yield server
    server.shutdown()
    server.server_close()


def test_idempotent_requests_wait_out_retry_after_and_others_do_not(flaky):
    from gridctl.api import ApiClient
    from gridctl.errors import InvalidInput, NotFound, Unreachable

    url = f"http://127.0.0.1:{flaky.server_address[1]}"
    api = ApiClient(url, "secret-token", retries=3)
    _Flaky.busy_left = 1
    assert api.health()["status"] == "ok"
    assert len(_Flaky.seen) == 2 and _Flaky.seen[1] - _Flaky.seen[0] >= 0.95  # Retry-After: 1 honoured
    _Flaky.seen = []
    with pytest.raises(Unreachable):
        # Not idempotent: one try only; a busy server is one that cannot be reached now (exit 8).
        api.request("POST", "/cases/x/act", json={})
    assert len(_Flaky.seen) == 1
    with pytest.raises(NotFound) as missing:
        api.get("cases", "missing")
    assert missing.value.exit_code == 5
    with pytest.raises(InvalidInput) as refused:
        api.request("GET", "/limited")
    assert refused.value.field == "limit" and "at most 1000" in str(refused.value)
    assert "secret-token" not in repr(api)
    api.close()


def test_a_server_that_is_not_there_is_unreachable_at_once():
    import socket

    from gridctl.api import ApiClient
    from gridctl.errors import Unreachable

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    api = ApiClient(f"http://127.0.0.1:{port}", "t")
    started = time.monotonic()
    with pytest.raises(Unreachable) as down:
        api.me()
    assert time.monotonic() - started < 2 and down.value.exit_code == 8 and str(port) in str(down.value)
    api.close()


def test_importing_the_core_loads_no_heavy_module():
    """The CLI imports the core on every run; httpx and pydantic wait until a request or a write."""
    import subprocess
    import sys

    heavy = ("httpx", "pydantic", "typer", "rich", "textual", "fastapi", "sqlalchemy", "platformdirs")
    code = ("import sys, gridctl.ops, gridctl.sync, gridctl.store, gridctl.config, gridctl.credentials, "
            f"gridctl.errors, gridctl.ids; print(','.join(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
