"""Config, tokens and the store: private files, atomic writes, no secret in a repr."""

from __future__ import annotations

import os
import stat

import pytest


@pytest.fixture()
def dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDCTL_CONFIG_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("GRIDCTL_DATA_DIR", str(tmp_path / "d"))
    return tmp_path


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_token_file_is_private_and_never_shown(dirs, live_server):
    from gridctl import credentials, ops

    ops.login(live_server.url, "gw-001", "demo-pass", profile="work")
    token_file = dirs / "c" / "tokens" / "work"
    assert _mode(token_file) == 0o600 and _mode(token_file.parent) == 0o700
    token = credentials.load_token("work")
    assert token and repr(token) == "Token('***')"
    client = ops.Client.open("work")
    assert token not in repr(client) and token not in repr(client.api)
    store = dirs / "d" / "profiles" / "work" / "store.sqlite3"
    assert _mode(store) == 0o600
    assert token.encode() not in (dirs / "c" / "config.toml").read_bytes()


def test_config_roundtrip_and_validation(dirs):
    from gridctl.config import load_config, save_config
    from gridctl.errors import InvalidInput

    config = load_config()
    config.add_profile("a", "http://127.0.0.1:1", "gw-001")
    config.set("lang", "zh")
    config.set("sync.batch_size", "200")
    save_config(config)
    again = load_config()
    assert again.get("lang") == "zh" and again.get("sync.batch_size") == 200
    assert again.resolve_profile().name == "a"
    assert _mode(dirs / "c" / "config.toml") == 0o600
    with pytest.raises(InvalidInput):
        again.set("lang", "fr")
    with pytest.raises(InvalidInput):
        again.set("colour", "red")
    assert [p.name for p in (dirs / "c").iterdir() if p.name.startswith(".config-")] == []


def test_full_id_numbers_leave_the_cache_once_acknowledged(dirs, server_factory):
    from gridctl import ops
    from schemas.validators import make_id_number
    from datetime import date

    server = server_factory()
    ops.login(server.url, "gw-001", "demo-pass")
    client = ops.Client.open()
    household = ops.list_households(client).items[0]
    full = make_id_number("610822", date(1950, 3, 4), 11)
    result = ops.add_person(client, household["household_no"], name="赵老汉", id_number=full, sex="male",
                            tags=["elderly_alone"])
    assert result.sync_state == "synced"
    raw = (dirs / "d" / "profiles" / "default" / "store.sqlite3").read_bytes()
    assert full.encode() not in raw
    with server.db.connect() as db:
        assert db.execute("SELECT COUNT(*) FROM persons WHERE id_number = ?", (full,)).fetchone()[0] == 1
