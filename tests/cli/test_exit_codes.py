"""Every exit code of DESIGN §7 from a real scenario, with a message that names the fix.

Exit 3 (partly done) is reached for real by a sync meeting a conflict, in
test_offline_and_conflicts.py, and by an import with rejected rows in tests/importexport.
"""

from __future__ import annotations

import socket


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_0_ok_and_version(cli):
    r = cli("--version")
    assert (r.code, r.out) == (0, "gridctl 0.1.0\n")


def test_2_usage_errors(cli, login, live_server):
    r = cli("case", "list", "--bogus")
    assert r.code == 2 and "--bogus" in r.err
    login(live_server, "gw-001")
    r = cli("incident", "report", "--category", "nonsense", "--title", "x")
    assert r.code == 2 and "expected one of" in r.err and "--category" in r.err
    r = cli("incident", "report", "--category", "dispute", "--title", "x", "--occurred-at", "2099-01-01")
    assert r.code == 2 and "in the future" in r.err
    r = cli("case", "list", "--mine", "--all")
    assert r.code == 2
    r = cli("--lang", "fr", "case", "list")
    assert r.code == 2 and "zh or en" in r.err


def test_4_not_logged_in_bad_credentials_not_allowed(cli, login, live_server):
    r = cli("case", "list")
    assert r.code == 4 and "gridctl auth login --server URL --username NAME" in r.err
    r = cli("auth", "login", "--server", live_server.url, "--username", "gw-004", "--password-stdin", input="wrong\n")
    assert r.code == 4 and "wrong username or password" in r.err
    login(live_server, "gw-001")
    case = next(c for c in cli("case", "list", "--all", "-o", "json").json() if c["status"] == "resolved" and c["level"] == "grid")
    r = cli("case", "close", case["serial"])
    assert r.code == 4 and "above the case's level" in r.err


def test_5_not_found(cli, login, live_server):
    login(live_server, "gw-001")
    r = cli("case", "show", "019f0000-0000-7000-8000-000000000000")
    assert r.code == 5 and "not found" in r.err
    r = cli("outbox", "show", "nothing-here")
    assert r.code == 5


def test_8_unreachable(cli):
    r = cli("auth", "login", "--server", _dead_url(), "--username", "gw-001", "--password-stdin", input="demo-pass\n")
    assert r.code == 8 and "cannot reach the server" in r.err


def test_1_unexpected_error_is_a_message_not_a_traceback(cli, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("GRIDCTL_CONFIG_DIR", str(blocker / "config"))
    r = cli("config", "set", "lang", "zh")
    assert r.code == 1 and "Traceback" not in r.err
    assert r.err.startswith("unexpected error (NotADirectoryError)") and "GRIDCTL_DEBUG=1" in r.err


def test_1_with_debug_the_traceback_is_shown(tmp_path):
    import os
    import subprocess
    import sys

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    env = {**os.environ, "GRIDCTL_CONFIG_DIR": str(blocker / "c"), "GRIDCTL_DEBUG": "1", "GRIDCTL_LANG": "en"}
    r = subprocess.run([sys.executable, "-m", "gridctl", "config", "set", "lang", "zh"], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 1 and "Traceback" in r.stderr and "NotADirectoryError" in r.stderr


def test_password_never_from_a_flag_and_no_prompt_when_piped(cli, live_server):
    r = cli("auth", "login", "--server", live_server.url, "--username", "gw-001", "--password", "demo-pass")
    assert r.code == 2
    r = cli("auth", "login", "--server", live_server.url, "--username", "gw-001", input="")
    assert r.code == 2 and "--password-stdin" in r.err


def test_the_installed_entry_point(live_server, tmp_path):
    """The `gridctl` script pip installed, not just the module: exit codes and streams as a shell sees them."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    exe = shutil.which("gridctl", path=str(Path(sys.executable).parent)) or shutil.which("gridctl")
    assert exe, "install the project: pip install -e ."
    env = {**os.environ, "GRIDCTL_CONFIG_DIR": str(tmp_path / "c"), "GRIDCTL_DATA_DIR": str(tmp_path / "d"),
           "GRIDCTL_LANG": "en"}
    env.pop("GRIDCTL_PASSWORD", None)

    def run(*args, stdin=None):
        return subprocess.run([exe, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60)

    r = run("case", "list")
    assert (r.returncode, r.stdout) == (4, "") and "gridctl auth login" in r.stderr
    env["GRIDCTL_PASSWORD"] = "demo-pass"
    r = run("auth", "login", "--server", live_server.url, "--username", "gw-001")
    assert r.returncode == 0 and r.stdout == "" and "logged in as gw-001" in r.stderr
    r = run("case", "list", "--all", "-o", "jsonl")
    assert r.returncode == 0 and all(line.startswith('{"id": ') for line in r.stdout.splitlines())
    r = run("case", "nope")
    assert r.returncode == 2 and "Traceback" not in r.stderr
