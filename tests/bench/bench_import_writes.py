"""Benchmark: what a persons import costs on the server alone, and what its database writes alone
cost, against the raw floor of ``bench_import.py`` measured in the same run (SQLite).

Prints one JSON line per figure. Run: python tests/bench/bench_import_writes.py [--rows 200000] [--repeat 3]

- floor: the CSV read with ``csv`` and inserted with ``executemany`` into one bare table;
- server_in_process: ``server.services.imports.run`` on the file's rows in batches of 5,000, as
  the endpoint calls it (no HTTP, no client): row checks, look-ups, writes, feed, commits;
- writes_<variant>: only the inserts that import made (households, persons, feed rows: the very
  tuples, captured from it) and a commit per batch, replayed into a fresh copy of the same
  database — as it is, and with parts of the schema taken away to show what each costs:
  ``no_person_indexes`` (household, grid and tagged-people indexes of persons dropped),
  ``no_feed`` (no feed row per record), ``neither``. The variants are measurements, not options:
  the server needs those indexes for its read paths and the feed for sync (docs/SCALING.md).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "bench"))

BATCH = 5000
PERSON_INDEXES = ("ix_persons_household_id", "persons_grid_id", "persons_tagged")


def emit(name: str, value: float, unit: str, **extra) -> None:
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit, **extra}, ensure_ascii=False), flush=True)


def file_rows(path: Path) -> list[list]:
    """The rows as gridctl sends them: the file's text of each column in the standard order."""
    import csv

    from gridctl.importer import map_header
    from schemas import rows

    with path.open(encoding="gb18030", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        columns = map_header("persons", header, str(path))
        at = [header.index(h) if h else None for h in columns.standard]
        assert len(rows.columns("persons")) == len(at)
        return [[r[i] if i is not None else None for i in at] for r in reader]


def seeded_database(tmp: Path) -> Path:
    """A small demo database made by a real server (grids, the county admin), then stopped."""
    from tests.conftest import LiveServer

    server = LiveServer(tmp / "seed.db", scale="small").start()
    server.stop()
    db = sqlite3.connect(tmp / "seed.db")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return tmp / "seed.db"


def copy_of(seed: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(seed, target)
    return target


def server_in_process(db_path: Path, data: list[list], capture: list | None = None) -> dict:
    """``imports.run`` on every batch; with ``capture``, each batch's inserts are also recorded as
    (table, columns, rows) — they still happen, so later batches see earlier ones."""
    from sqlalchemy import select

    from schemas import rows as row_rules
    from server import auth
    from server.db import make_engine, users
    from server.services import imports

    engine = make_engine(f"sqlite:///{db_path}")
    with engine.connect() as conn:
        admin = auth.user_dict(conn.execute(select(users).where(users.c.username == "county-admin")).one())
    columns = row_rules.columns("persons")
    original = imports._insert_rows
    if capture is not None:
        def recording(conn, table, names, rows):
            capture[-1].append((table.name, tuple(names), list(rows)))
            return original(conn, table, names, rows)
        imports._insert_rows = recording
    timings: dict[str, float] = {}
    cpu, started = time.process_time(), time.perf_counter()
    try:
        for start in range(0, len(data), BATCH):
            if capture is not None:
                capture.append([])
            answer = imports.run(engine, admin, "persons", data[start:start + BATCH], False, "en", None, columns)
            if answer["rejected"]:
                raise SystemExit(f"rows were rejected: {answer['errors'][:3]}")
            for key, value in answer["timings"].items():
                timings[key] = timings.get(key, 0.0) + value
    finally:
        imports._insert_rows = original
        engine.dispose()
    return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu, "timings": timings}


def replay(db_path: Path, batches: list, variant: str) -> dict:
    """The captured inserts and a commit per batch, as the server's connection makes them."""
    db = sqlite3.connect(db_path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "wal_autocheckpoint=10000", "cache_size=-65536"):
        db.execute(f"PRAGMA {pragma}")
    if variant in ("no_person_indexes", "neither"):
        for name in PERSON_INDEXES:
            db.execute(f"DROP INDEX IF EXISTS {name}")
    skip = {"feed"} if variant in ("no_feed", "neither") else set()
    per_table: dict[str, float] = {}
    commit = 0.0
    cpu, started = time.process_time(), time.perf_counter()
    for inserts in batches:
        db.execute("BEGIN")
        for table, names, rows in inserts:
            if table in skip or not rows:
                continue
            at = time.perf_counter()
            db.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", rows)
            per_table[table] = per_table.get(table, 0.0) + time.perf_counter() - at
        at = time.perf_counter()
        db.execute("COMMIT")
        commit += time.perf_counter() - at
    out = {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu, "commit": commit, **per_table}
    db.close()
    return out


def main() -> None:
    from bench_import import FLOOR_CPU, floor, make_file

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    med = statistics.median
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        path = tmp / "persons.csv"
        make_file(path, args.rows)
        data = file_rows(path)
        seed = seeded_database(tmp)
        floors, servers, batches = [], [], []
        for n in range(args.repeat):
            floors.append(floor(path, tmp))
            servers.append(server_in_process(copy_of(seed, tmp / "server.db"), data, batches if n == 0 else None))
        floor_s = med(floors)
        emit("import_writes.floor_csv_sqlite", floor_s, "s", rows=args.rows, runs=[round(x, 3) for x in floors],
             cpu=round(med(FLOOR_CPU), 3))
        emit("import_writes.server_in_process", med([s["seconds"] for s in servers]), "s",
             vs_floor=round(med([s["seconds"] for s in servers]) / floor_s, 2),
             cpu=round(med([s["cpu"] for s in servers]), 3), runs=[round(s["seconds"], 3) for s in servers],
             **{k: round(med([s["timings"].get(k, 0.0) for s in servers]), 3) for k in servers[0]["timings"]})
        for variant in ("as_is", "no_person_indexes", "no_feed", "neither"):
            runs = [replay(copy_of(seed, tmp / "replay.db"), batches, variant) for _ in range(args.repeat)]
            seconds = med([r["seconds"] for r in runs])
            emit(f"import_writes.writes_{variant}", seconds, "s", vs_floor=round(seconds / floor_s, 2),
                 cpu=round(med([r["cpu"] for r in runs]), 3), runs=[round(r["seconds"], 3) for r in runs],
                 **{k: round(med([r.get(k, 0.0) for r in runs]), 3) for k in ("households", "persons", "feed", "commit")})


if __name__ == "__main__":
    main()
