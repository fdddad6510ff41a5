"""The same commands at a real terminal (a pseudo-terminal): aligned tables with headers,
Chinese labels, indented JSON — where piped output is tab-separated and compact."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_in_terminal(args: list[str], env: dict, timeout: float = 30) -> tuple[int, str]:
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "gridctl", *args], stdin=slave, stdout=slave, stderr=slave,
                            cwd=ROOT, env={**env, "COLUMNS": "160", "LINES": "48", "TERM": "xterm"}, close_fds=True)
    os.close(slave)
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=5)
    os.close(master)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace")


def test_tables_at_a_terminal_and_piped(live_server, tmp_path):
    env = {**os.environ, "GRIDCTL_CONFIG_DIR": str(tmp_path / "c"), "GRIDCTL_DATA_DIR": str(tmp_path / "d"),
           "GRIDCTL_LANG": "zh", "NO_COLOR": "1"}
    login = subprocess.run([sys.executable, "-m", "gridctl", "auth", "login", "--server", live_server.url,
                            "--username", "gw-001", "--password-stdin"], input="demo-pass\n", text=True,
                           capture_output=True, cwd=ROOT, env=env)
    assert login.returncode == 0, login.stderr
    code, screen = run_in_terminal(["case", "list", "--all", "--status", "closed"], env)
    assert code == 0
    assert "编号" in screen and "标题" in screen and "状态" in screen  # a header, in Chinese
    assert "已结案" in screen and "\x1b[" not in screen.replace("\x1b[?", "")  # NO_COLOR: no colours
    piped = subprocess.run([sys.executable, "-m", "gridctl", "case", "list", "--all", "--status", "closed"],
                           capture_output=True, text=True, cwd=ROOT, env=env)
    assert "编号" not in piped.stdout and "\t" in piped.stdout
    code, screen = run_in_terminal(["case", "list", "--all", "--status", "closed", "-o", "json"], env)
    assert code == 0 and '\n  {' in screen.replace("\r\n", "\n")  # indented for people
    code, screen = run_in_terminal(["sync", "status"], env)
    assert code == 0 and "服务器" in screen
