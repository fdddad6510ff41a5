"""Run the reference backend: used by ``gridctl serve``, ``gridctl demo`` and ``python -m server``."""

from __future__ import annotations

import os
import socket
import sys
import threading
from typing import Callable

DB_ENV = "GRIDCTL_SERVER_DB"  # the database of ``--workers`` processes (set by ``serve``)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def prepare(db_url: str, demo: bool = False, demo_scale: str = "full", settings=None, migrate: bool = True):
    """Create the app (its tables made or upgraded, unless ``migrate`` is False: then an old database
    raises ``server.migrate.SchemaOutdated``); seed the demo county when asked. Returns (app, summary).

    ``settings``: a ``server.settings.Settings``; None reads GRIDCTL_SERVER_SETTINGS (or the defaults)
    and raises ``SettingsError`` naming what is wrong in that file.
    """
    from server.app import create_app

    app = create_app(db_url, settings=settings, migrate=migrate)
    summary = None
    if demo:
        from server.demo import seed

        summary = seed(app.state.engine, demo_scale, limits=app.state.settings.limits)
        if summary.get("seeded"):
            from server.services.alerts import rebuild

            # The seed writes rows directly, not by mutations: derive its alerts once.
            rebuild(app.state.engine, dict(app.state.settings.visit_frequency_days))
    return app, summary


def calendar_note(calendar) -> str:
    """The start-up line that says how limits in days are counted, and which coming year has no
    official schedule yet (counted Monday–Friday until an admin publishes a holidays file)."""
    from datetime import date, timedelta

    line = f"gridctl server: {calendar.describe()}"
    today = date.today()
    missing = calendar.unknown_years(today, today + timedelta(days=366))
    if missing:
        years = ", ".join(map(str, missing))
        line += (f"\ngridctl server: no official holiday schedule for {years}: limits reaching into it count "
                 f"Monday-Friday and the fixed statutory holidays only; set holidays_file in the settings")
    return line


def app_from_env():
    """The app factory of each ``--workers`` process: its own engine; the schema only checked
    (the parent process upgraded it before starting the workers)."""
    from server.app import create_app

    return create_app(os.environ[DB_ENV], migrate=False)


def _notify_when_healthy(url: str, notify: Callable[[str], None], timeout: float = 120.0) -> None:
    """Call ``notify(url)`` from a thread once a worker answers /health (uvicorn's supervisor has no
    'started' flag of its own)."""

    def poll() -> None:
        import time

        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/api/v1/health", timeout=1).status_code == 200:
                    notify(url)
                    return
            except httpx.HTTPError:
                pass
            threading.Event().wait(0.05)

    threading.Thread(target=poll, daemon=True).start()


def serve(
    db_url: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    demo: bool = False,
    demo_scale: str = "full",
    on_ready: Callable[[str, dict | None], None] | None = None,
    log_level: str = "warning",
    settings=None,
    migrate: bool = True,
    workers: int = 1,
) -> None:
    """Serve until interrupted. ``on_ready(url, seed_summary)`` is called once it listens.

    ``workers`` > 1: this process migrates (or checks) and seeds the database, then uvicorn runs
    that many worker processes, each building its own app and engine from the environment
    (``app_from_env``). Nothing the API promises lives in one process's memory (login failures,
    serials, the feed are all in the database), so any worker may answer any request.
    Settings reach the workers through GRIDCTL_SERVER_SETTINGS (``python -m server --settings``
    sets it).
    """
    import uvicorn

    app, summary = prepare(db_url, demo, demo_scale, settings, migrate)
    print(calendar_note(app.state.settings.limits.calendar), file=sys.stderr, flush=True)
    if workers > 1:
        app.state.engine.dispose()
        del app
        os.environ[DB_ENV] = db_url
        if on_ready is not None:
            _notify_when_healthy(f"http://{host}:{port}", lambda url: on_ready(url, summary))
        uvicorn.run("server.runner:app_from_env", factory=True, host=host, port=port, workers=workers,
                    log_level=log_level, access_log=False, proxy_headers=False)
        return
    # proxy_headers=False: X-Forwarded-For from a local client must not choose the address login limits count.
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False, proxy_headers=False)
    server = uvicorn.Server(config)
    if on_ready is not None:
        url = f"http://{host}:{port}"

        def notify() -> None:
            while not server.started and not server.should_exit:
                threading.Event().wait(0.02)
            if server.started:
                on_ready(url, summary)

        threading.Thread(target=notify, daemon=True).start()
    server.run()


class BackgroundServer:
    """The server in a thread of this process (``gridctl demo`` and benchmarks)."""

    def __init__(self, db_url: str, host: str = "127.0.0.1", port: int | None = None, demo: bool = False,
                 demo_scale: str = "full", settings=None) -> None:
        import uvicorn

        self.app, self.summary = prepare(db_url, demo, demo_scale, settings)
        self.port = port or free_port(host)
        self.url = f"http://{host}:{self.port}"
        self._server = uvicorn.Server(uvicorn.Config(self.app, host=host, port=self.port, log_level="warning",
                                                     access_log=False, proxy_headers=False))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> "BackgroundServer":
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the server did not start")
            threading.Event().wait(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
