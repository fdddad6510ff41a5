"""`gridctl serve --demo` and `gridctl demo --no-tui` as real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(proc, text: str, timeout: float = 60) -> str:
    import threading

    if not hasattr(proc, "_lines"):
        proc._lines = []

        def pump() -> None:
            for line in proc.stderr:
                proc._lines.append(line)

        threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = "".join(proc._lines)
        if text in seen:
            return seen
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not seen in: {''.join(proc._lines)}")


def test_serve_demo_prints_url_and_accounts_then_a_demo_login_works(tmp_path):
    from tests.conftest import _free_port

    port = _free_port()
    env = {**os.environ, "GRIDCTL_LANG": "en"}
    proc = subprocess.Popen([sys.executable, "-m", "gridctl", "serve", "--demo", "--port", str(port),
                             "--db", f"sqlite:///{tmp_path}/demo.db"], cwd=ROOT, env=env,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        text = _wait_for(proc, "press Ctrl-C to stop", timeout=90)
        assert f"serving on http://127.0.0.1:{port}" in text
        assert "demo county seeded: 24000 households" in text
        for account in ("gw-001", "gw-002", "village-01", "station-01", "county-admin", "demo-pass"):
            assert account in text
        r = httpx.post(f"http://127.0.0.1:{port}/api/v1/auth/token", json={"username": "county-admin", "password": "demo-pass"})
        assert r.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    # A second start on the same database seeds nothing twice.
    proc = subprocess.Popen([sys.executable, "-m", "gridctl", "serve", "--demo", "--port", str(port),
                             "--db", f"sqlite:///{tmp_path}/demo.db"], cwd=ROOT, env=env,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        assert "not empty; no demo data added" in _wait_for(proc, "press Ctrl-C to stop")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


def test_demo_without_tui_logs_in_and_gives_a_tour(tmp_path):
    env = {**os.environ, "GRIDCTL_LANG": "zh", "GRIDCTL_CONFIG_DIR": str(tmp_path / "c"),
           "GRIDCTL_DATA_DIR": str(tmp_path / "d")}
    proc = subprocess.Popen([sys.executable, "-m", "gridctl", "demo", "--no-tui", "--scale", "small"], cwd=ROOT,
                            env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        text = _wait_for(proc, "Ctrl-C")
        assert "演示服务器已启动" in text and "gw-001" in text
        out = subprocess.run([sys.executable, "-m", "gridctl", "--profile", "demo", "case", "list", "-o", "json"],
                             cwd=ROOT, env=env, capture_output=True, text=True)
        assert out.returncode == 0 and out.stdout.startswith("[")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    assert "gridctl --profile demo case list" in proc.stdout.read()
