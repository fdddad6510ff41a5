"""End to end in a real terminal: the installed entry point under tmux, driven by keys."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

# The installed console script when there is one (the real entry point), else the same entry
# through the interpreter, so a source checkout without `pip install` still runs the test.
ENTRY = "import sys, tui.worker; sys.exit(tui.worker.run(profile='tui', lang='en'))"


def entry_command() -> str:
    script = Path(sys.executable).with_name("gridctl")
    if script.exists():
        return f"{shlex.quote(str(script))} --profile tui --lang en tui"
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(ENTRY)}"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=10).stdout


def wait_until(session: str, ok, what: str, timeout: float = 60.0) -> str:
    """Poll the terminal until ``ok(screen)``; generous, as the machine may be busy."""
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if ok(screen):
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{what} never appeared on the terminal; last screen:\n{screen}")


def wait_for(session: str, text: str, timeout: float = 60.0) -> str:
    return wait_until(session, lambda screen: text in screen, repr(text), timeout)


def test_worker_app_in_tmux(worker_client, ops_module, isolated):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (apt-get install -y tmux) - the real-terminal run needs it")
    title = f"Blocked drain {uuid.uuid4().hex[:6]}"
    ops_module.report_incident(worker_client, category="environment", title=title)

    session = f"gridctl-tui-{uuid.uuid4().hex[:8]}"
    env = {k: os.environ[k] for k in ("GRIDCTL_CONFIG_DIR", "GRIDCTL_DATA_DIR", "PATH", "HOME") if k in os.environ}
    env.update(TERM="xterm-256color", GRIDCTL_LANG="en")
    command = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    command = f"env {command} {entry_command()}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command],
                   check=True, timeout=10)
    try:
        # The title column is narrow at 120 columns: the list shows the title's start.
        wait_for(session, title[:13])
        screen = wait_for(session, "My cases")
        assert "online" in screen or "data" in screen
        tmux("send-keys", "-t", session, "/")
        # Type only once the filter box is up: keys that arrive before it has the focus are the
        # app's own ("n" in the title opened the report form on a loaded machine).
        wait_for(session, "Type to filter")
        tmux("send-keys", "-t", session, "-l", title)
        # Only once the filter has left one row may Enter open "the" case (a fixed pause here once
        # opened the first case of the unfiltered list on a slower run).
        wait_until(session, lambda s: re.search(r"(^|\s)1 of \d+ cases", s, re.M), "the filter's one row")
        tmux("send-keys", "-t", session, "Enter")   # leave the filter box for the table
        # Enter opens the row once the table has the focus; until then it only leaves the filter
        # box again, which does no harm. The case screen's frame says it opened.
        deadline = time.monotonic() + 60
        while "Actions allowed now" not in tmux("capture-pane", "-p", "-t", session):
            assert time.monotonic() < deadline, "Enter never opened the filtered case"
            tmux("send-keys", "-t", session, "Enter")
            try:
                wait_for(session, "Actions allowed now", timeout=15)
            except AssertionError:
                continue
        # The case screen shows its section titles (and "Loading…") before the case arrives:
        # wait for the loaded case itself - its title and its fields - not for the frame.
        screen = wait_until(session, lambda s: "Actions allowed now" in s and title in s and "Loading" not in s
                            and "Serial" in s, "the loaded case screen")
        assert "Accept" in screen
        tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and subprocess.run(["tmux", "has-session", "-t", session],
                                                             capture_output=True).returncode == 0:
            time.sleep(0.2)
        assert subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode != 0, \
            "q should quit the app (and end the tmux session)"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
