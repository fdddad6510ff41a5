"""python -m server --db URL --host H --port P [--demo] [--demo-scale full|small] [--settings FILE]
[--workers N] [--no-migrate]"""

import argparse
import os
import sys

from server.runner import serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m server", description="gridctl reference backend")
    parser.add_argument("--db", default="sqlite:///gridctl-server.db", help="SQLAlchemy database URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--demo", action="store_true", help="seed the demo county into an empty database")
    parser.add_argument("--demo-scale", choices=["full", "small"], default="full")
    parser.add_argument("--settings", metavar="FILE",
                        help="JSON file of time limits, visit frequencies and login limits (see server/settings.py)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="server processes sharing the database (PostgreSQL for more than one, in production)")
    parser.add_argument("--no-migrate", action="store_true",
                        help="refuse to start on a database whose schema is not current, instead of upgrading it")
    args = parser.parse_args()

    from server.settings import Settings, SettingsError

    try:
        settings = Settings.from_file(args.settings) if args.settings else Settings.from_env()
    except SettingsError as exc:
        parser.exit(2, f"python -m server: error: {exc}\n")
    if args.workers < 1:
        parser.exit(2, f"python -m server: error: --workers must be 1 or more, got {args.workers}\n")
    if args.settings:  # worker processes read their settings from the environment
        from server.settings import ENV_VAR

        os.environ[ENV_VAR] = os.path.abspath(args.settings)

    def ready(url: str, summary: dict | None) -> None:
        print(f"listening on {url}", flush=True)
        if summary:
            print(f"demo: {summary}", flush=True)

    from server.migrate import DatabaseUnavailable, SchemaOutdated

    try:
        serve(args.db, args.host, args.port, args.demo, args.demo_scale, on_ready=ready, settings=settings,
              migrate=not args.no_migrate, workers=args.workers)
    except (SchemaOutdated, DatabaseUnavailable) as exc:
        lang = "zh" if (os.environ.get("GRIDCTL_LANG") or os.environ.get("LANG") or "").lower().startswith("zh") else "en"
        parser.exit(2, f"python -m server: error: {exc.message(lang)}\n")
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
