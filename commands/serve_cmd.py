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
             scale: str = typer.Option("full", "--scale", help=t("cli.opt.demo_scale"))) -> int:
        _need_server_extra()
        from gridctl import ops
        from server.runner import BackgroundServer

        folder = Path(tempfile.mkdtemp(prefix="gridctl-demo-"))
        say(t("cli.serve.seeding"))
        server = BackgroundServer(f"sqlite:///{folder / 'demo.db'}", demo=True, demo_scale=scale).start()
        try:
            user = ops.login(server.url, "gw-001", "demo-pass", profile="demo")
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
