"""gridctl serve (the reference backend) and gridctl demo (a seeded server, a profile, the TUI)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import typer

from commands.errors import handled
from commands.output import say
from gridctl.i18n import get_lang, t

ACCOUNTS = [("gw-001", "gridworker", "610822100200001"), ("gw-002", "gridworker", "610822100200002"),
            ("village-01", "village", "610822100200"), ("station-01", "station", "610822100"),
            ("county-admin", "admin", "610822")]


def _need_server_extra():
    try:
        import fastapi  # noqa: F401
        import sqlalchemy  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        from gridctl.errors import UsageError

        raise UsageError("cli.serve.no_extra") from None


def _accounts_text() -> str:
    from schemas.codes import label

    lines = [t("cli.serve.accounts")]
    for username, role, scope in ACCOUNTS:
        lines.append(f"  {username:<13} {label('role', role, get_lang()):<12} {scope}")
    lines.append(t("cli.serve.password", password="demo-pass"))
    return "\n".join(lines)


def _bind_error(host: str, port: int) -> int | None:
    """None when the server could listen on ``host:port`` now (bound as uvicorn binds:
    SO_REUSEADDR), else the errno of the refusal."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return None  # an unknown host is uvicorn's to report
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return exc.errno or -1
    return None


def _port_free(host: str, port: int) -> bool:
    return _bind_error(host, port) is None


def _check_port(host: str, port: int) -> None:
    import errno

    problem = _bind_error(host, port)
    if problem is None:
        return
    from gridctl.errors import UsageError

    if problem == errno.EADDRNOTAVAIL:
        # Not "port in use": --host names an address this machine does not have.
        raise UsageError("probe.serve.host_not_here", field="host", host=host)
    suggest = next((p for p in range(port + 1, min(port + 50, 65536)) if _port_free(host, p)), port + 1)
    raise UsageError("cliux.serve.port_busy", field="port", host=host, port=port, suggest=suggest)



def database_url(value: str) -> str:
    """``--db`` as SQLAlchemy wants it: a URL as given, or a file path taken as a SQLite file."""
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())

def register(app: typer.Typer) -> None:
    @app.command("serve", help=t("cli.serve.help"))
    @handled
    def serve(db: str = typer.Option("sqlite:///gridctl-server.db", "--db", help=t("cli.opt.db")),
              host: str = typer.Option("127.0.0.1", "--host", help=t("cli.opt.host")),
              port: int = typer.Option(8000, "--port", min=1, max=65535, help=t("cli.opt.port")),
              demo: bool = typer.Option(False, "--demo", help=t("cli.opt.demo")),
              no_migrate: bool = typer.Option(False, "--no-migrate", help=t("serve.opt.no_migrate")),
              workers: int = typer.Option(1, "--workers", min=1, max=64, help=t("serve.opt.workers"))) -> int:
        _need_server_extra()
        db = database_url(db)
        _check_port(host, port)  # before anything is created: a busy port leaves no database behind
        from server.runner import serve as run_server

        if demo:
            say(t("cli.serve.seeding"))

        def ready(url: str, summary: dict | None) -> None:
            say(t("cli.serve.listening", url=url))
            if summary is not None:
                if summary.get("seeded"):
                    say(t("cli.serve.seeded", households=summary["households"], persons=summary["persons"],
                          cases=summary["cases"], visits=summary["visits"]))
                else:
                    say(t("cli.serve.not_seeded"))
                say(_accounts_text())
            say(t("cli.serve.stop"))

        from server.migrate import DatabaseUnavailable, SchemaOutdated

        try:
            run_server(db, host, port, demo=demo, on_ready=ready, migrate=not no_migrate, workers=workers)
        except (SchemaOutdated, DatabaseUnavailable) as exc:
            print(t("cli.error.prefix") + exc.message(get_lang()), file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            pass
        return 0

    @app.command("demo", help=t("cli.demo.help"))
    @handled
    def demo(no_tui: bool = typer.Option(False, "--no-tui", help=t("cli.opt.no_tui")),
             scale: str = typer.Option("full", "--scale", help=t("cli.opt.demo_scale")),
             keep: bool = typer.Option(False, "--keep", help=t("cliux.opt.keep"))) -> int:
        _need_server_extra()
        _stop_like_ctrl_c()
        folder = Path(tempfile.mkdtemp(prefix="gridctl-demo-"))
        try:
            return _run_demo(folder, no_tui, scale)
        finally:
            _leave_demo(folder, keep)


def _stop_like_ctrl_c() -> None:
    """`kill` and a closed terminal end the demo as Ctrl-C does, so its profile, token and
    database are removed then too (not only on Ctrl-C)."""
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), interrupt)


def _demo_profile_login(url: str) -> dict:
    """Log the ``demo`` profile in as gw-001 without making it the default (DESIGN 8, issue 8
    item 10): after the demo, plain commands keep using the user's own profiles."""
    from gridctl import ops
    from gridctl.config import load_config, save_config

    before = load_config().default_profile
    user = ops.login(url, "gw-001", "demo-pass", profile="demo")
    config = load_config()
    if config.default_profile == "demo" and before != "demo":
        if before:
            config.data["default_profile"] = before
        else:
            config.data.pop("default_profile", None)
        save_config(config)
    return user


def _leave_demo(folder: Path, keep: bool) -> None:
    """Remove the demo's database and its profile (config entry, token, local store) unless --keep."""
    import shutil

    if keep:
        say(t("cliux.demo.kept", path=folder / "demo.db"))
        return
    from gridctl import credentials
    from gridctl.config import load_config, save_config
    from gridctl.paths import data_dir

    config = load_config()
    if "demo" in config.profiles:
        before = config.default_profile
        config.remove_profile("demo")
        if before != "demo" and before is not None:
            config.data["default_profile"] = before
        elif before is None:
            config.data.pop("default_profile", None)
        save_config(config)
    credentials.delete_token("demo")
    shutil.rmtree(data_dir() / "profiles" / "demo", ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    say(t("cliux.demo.removed"))


def _run_demo(folder: Path, no_tui: bool, scale: str) -> int:
    from server.runner import BackgroundServer

    say(t("cli.serve.seeding"))
    server = BackgroundServer(f"sqlite:///{folder / 'demo.db'}", demo=True, demo_scale=scale).start()
    try:
        user = _demo_profile_login(server.url)
        say(t("cli.demo.ready", url=server.url, username=user["username"], name=user.get("display_name") or ""))
        if no_tui:
            print(t("cli.demo.tour"))
            say(_accounts_text())
            say(t("cli.demo.keep_running"))
            try:
                import threading

                threading.Event().wait()
            except KeyboardInterrupt:
                return 0
            return 0
        os.environ["GRIDCTL_PROFILE"] = "demo"
        from tui.worker import run

        return run(profile="demo", lang=get_lang()) or 0
    finally:
        server.stop()
