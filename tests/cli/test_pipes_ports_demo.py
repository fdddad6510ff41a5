"""Ending well (issue 8 items 7, 10, 11): a closed pipe ends quietly with 0, `serve` on a busy
port says so in one line and creates nothing, `demo` leaves the user's profiles and files as it
found them. All as real processes, with a real pipe and a really occupied socket."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.cli.test_serve_and_demo import _wait_for
from tests.conftest import ROOT


def _env(tmp_path: Path, **extra: str) -> dict:
    return {**os.environ, "GRIDCTL_CONFIG_DIR": str(tmp_path / "c"), "GRIDCTL_DATA_DIR": str(tmp_path / "d"),
            "GRIDCTL_LANG": "en", "PYTHONPATH": str(ROOT), **extra}


def _gridctl(*args: str, env: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gridctl", *args], cwd=ROOT, env=env, text=True,
                          capture_output=True, **kw)


def _login(url: str, username: str, env: dict, *extra: str) -> None:
    r = _gridctl("auth", "login", "--server", url, "--username", username, "--password-stdin", *extra,
                 input="demo-pass\n", env=env)
    assert r.returncode == 0, r.stderr


# --- item 7: a reader that leaves early ---------------------------------------------------

@pytest.mark.parametrize("args", [
    ["case", "list", "--all", "-o", "json"],
    ["case", "list", "--all"],
    ["person", "list", "-o", "csv"],
    ["visit", "list", "-o", "jsonl"],
    ["household", "list"],
    ["case", "show", "--help"],
])
def test_a_closed_pipe_ends_quietly(live_server, tmp_path, args):
    """stdout is a pipe whose reading end is already closed: every write fails with EPIPE."""
    env = _env(tmp_path)
    _login(live_server.url, "county-admin", env)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "gridctl", *args], cwd=ROOT, env=env, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", proc.stderr


def test_head_takes_ten_bytes_and_both_ends_exit_0(live_server, tmp_path):
    env = _env(tmp_path)
    _login(live_server.url, "county-admin", env)
    shell = subprocess.run(["bash", "-c", f"{sys.executable} -m gridctl case list --all -o json | head -c 10; "
                                          "s=(\"${PIPESTATUS[@]}\"); echo; echo \"${s[@]}\""],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    out, statuses = shell.stdout.rsplit("\n", 2)[0], shell.stdout.strip().splitlines()[-1]
    assert out.startswith("[{") and len(out) == 10
    assert statuses == "0 0", (statuses, shell.stderr)
    assert "Error" not in shell.stderr and "error" not in shell.stderr


# --- item 11: serve on a busy port --------------------------------------------------------

@pytest.mark.parametrize("lang, says", [("en", "already in use"), ("zh", "已被占用")])
def test_serve_on_a_busy_port_says_so_and_creates_nothing(tmp_path, lang, says):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        db = tmp_path / "server.db"
        r = _gridctl("serve", "--port", str(port), "--db", f"sqlite:///{db}", "--demo",
                     env=_env(tmp_path, GRIDCTL_LANG=lang), timeout=60)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert says in lines[0] and str(port) in lines[0] and "--port" in lines[0]
    assert "Traceback" not in r.stderr and "Errno" not in r.stderr
    assert not db.exists() and list(tmp_path.glob("*.db*")) == []


# --- item 10: the demo leaves things as it found them --------------------------------------

def _run_demo(tmp_path: Path, env: dict, *extra: str, stop: int = signal.SIGINT) -> str:
    proc = subprocess.Popen([sys.executable, "-m", "gridctl", "demo", "--no-tui", "--scale", "small", *extra],
                            cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        text = _wait_for(proc, "Ctrl-C")
        during = _gridctl("--profile", "demo", "case", "list", "-o", "json", env=env)
        assert during.returncode == 0 and during.stdout.startswith("[")
    finally:
        proc.send_signal(stop)
        proc.wait(timeout=30)
    assert proc.returncode == 0, proc.returncode
    return text + "".join(proc._lines)


def _config(tmp_path: Path) -> dict:
    path = tmp_path / "c" / "config.toml"
    return tomllib.loads(path.read_text()) if path.exists() else {}


def test_demo_keeps_the_users_default_profile_and_removes_its_files(live_server, tmp_path):
    env = _env(tmp_path, TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    _login(live_server.url, "gw-001", env)
    before = _config(tmp_path)
    _run_demo(tmp_path, env)
    assert _config(tmp_path) == before  # same default, no demo profile
    assert list((tmp_path / "tmp").glob("gridctl-demo-*")) == []
    assert not (tmp_path / "d" / "profiles" / "demo").exists()
    r = _gridctl("case", "list", "-o", "json", env=env)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP])
def test_a_demo_ended_by_kill_or_a_closed_terminal_also_cleans_up(live_server, tmp_path, stop):
    # Only Ctrl-C cleaned up: `kill` or closing the terminal left the demo profile, its token and
    # the demo database in the temp folder (dozens of gridctl-demo-* folders were found in /tmp).
    env = _env(tmp_path, TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    _login(live_server.url, "gw-001", env)
    before = _config(tmp_path)
    _run_demo(tmp_path, env, stop=stop)
    assert _config(tmp_path) == before
    assert list((tmp_path / "tmp").glob("gridctl-demo-*")) == []
    assert not (tmp_path / "d" / "profiles" / "demo").exists()


def test_after_a_first_demo_auth_login_then_plain_commands_use_default(live_server, tmp_path):
    env = _env(tmp_path, TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    _run_demo(tmp_path, env)  # a new user's first run: no profiles before
    assert "demo" not in _config(tmp_path).get("profiles", {})
    _login(live_server.url, "gw-001", env)  # as the README says: profile `default`
    assert _config(tmp_path)["default_profile"] == "default"
    status = _gridctl("auth", "status", "-o", "json", env=env)
    assert status.returncode == 0 and '"default"' in status.stdout, status.stdout
    cases = _gridctl("case", "list", "-o", "json", env=env)
    assert cases.returncode == 0, cases.stderr  # not "server unreachable" at a finished demo


def test_demo_keep_leaves_its_database_and_a_profile_that_is_not_the_default(live_server, tmp_path):
    env = _env(tmp_path, TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    _login(live_server.url, "gw-001", env)
    text = _run_demo(tmp_path, env, "--keep")
    kept = list((tmp_path / "tmp").glob("gridctl-demo-*/demo.db"))
    assert len(kept) == 1 and str(kept[0]) in text
    config = _config(tmp_path)
    assert config["default_profile"] == "default" and "demo" in config["profiles"]


# --- serve --db takes a file path as well as a URL ----------------------------------------

def test_serve_takes_a_file_path_for_db_relative_to_where_it_runs(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "here" / "data").mkdir(parents=True)
    proc = subprocess.Popen([sys.executable, "-m", "gridctl", "serve", "--port", str(port), "--db", "data/county.db"],
                            cwd=tmp_path / "here", env=_env(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(proc, f"127.0.0.1:{port}", timeout=120)
        assert (tmp_path / "here" / "data" / "county.db").stat().st_size > 0
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0, "".join(proc._lines)


def test_db_url_of_a_path_is_an_absolute_sqlite_url(tmp_path, monkeypatch):
    from commands.serve_cmd import database_url

    monkeypatch.chdir(tmp_path)
    assert database_url("a.db") == f"sqlite:///{tmp_path / 'a.db'}"
    assert database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.parametrize("lang, says", [("en", "not an address of this machine"), ("zh", "不是本机的地址")])
def test_serve_on_an_address_this_machine_does_not_have_says_so(tmp_path, lang, says):
    # It said "port P on 10.255.255.1 is already in use" for an address that is not this machine's.
    db = tmp_path / "server.db"
    r = _gridctl("serve", "--host", "10.255.255.1", "--port", "8999", "--db", str(db),
                 env=_env(tmp_path, GRIDCTL_LANG=lang), timeout=120)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "--host" in lines[0], r.stderr
    assert "in use" not in r.stderr and "占用" not in r.stderr
    assert not db.exists()
