"""Benchmark: import of N persons from a GB18030 CSV and from .xlsx end to end, against the raw
floor measured in the same run; export of them as CSV and .xlsx; peak memory of each side.

Prints one JSON line per figure. Run: python tests/bench/bench_import.py [--rows 200000] [--repeat 3]

- floor: the same CSV read with ``csv`` and inserted with ``sqlite3`` ``executemany`` into one
  table (no validation, no network) — measured in the same run, on the same machine, each round;
- import: ``gridctl import persons FILE`` as a subprocess against the reference server (small
  demo seed, a fresh SQLite file per import) on loopback: read, validate, send in batches of
  5,000 with two in flight (the server writes one while the next waits), committed. The same rows from an .xlsx workbook into another fresh server;
- where the import's time went: the importer's own clock (reading and checking, waiting for the
  server) and the server's (validation, waiting for the batch before, database), per run;
- peak memory (max RSS) of each client process and of the server process;
- export: ``gridctl export persons --out FILE`` of everything imported, CSV and .xlsx (masked).
Each figure is the median of ``--repeat`` rounds; every round's value is in ``runs``.

``--export-only`` skips the import figures: the persons are imported once (or taken from
``--seed-db FILE``, a server database kept from an earlier run: SQLite only) and each round
exports them from a fresh server on a copy of that database, so that export work iterates fast.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

HEADER = ["户号", "网格编码", "地址", "姓名", "身份证号", "性别", "出生日期", "与户主关系", "联系电话", "人员标签", "户籍类型", "关注程度"]

# Runs the CLI in a process of its own and reports that process's peak memory and the importer's
# timings (logged at DEBUG) on stderr, as "BENCH ..." lines.
WRAPPER = """
import logging, resource, sys
class H(logging.Handler):
    def emit(self, record):
        sys.stderr.write("BENCH " + record.getMessage() + "\\n")
log = logging.getLogger("gridctl.importer"); log.setLevel(logging.DEBUG); log.addHandler(H())
from commands import main
code = 0
try:
    main.run(sys.argv[1:])
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 0
# VmHWM: this process's own peak (ru_maxrss would carry the benchmark's, inherited at fork)
peak = [l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:")]
sys.stderr.write("BENCH rss_kb %s\\n" % (peak[0] if peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
sys.exit(code)
"""


def emit(name: str, value: float, unit: str, **extra) -> None:
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit, **extra}, ensure_ascii=False), flush=True)


def make_file(path: Path, rows: int) -> None:
    from schemas.validators import make_id_number

    towns, villages = ["100", "101", "102", "203"], ["200", "201", "202", "001", "002", "003"]
    grids = [f"610822{t}{v}{g:03d}" for t in towns for v in villages for g in range(1, 6)]
    relations = ["户主", "配偶", "子", "女"]
    tags = ["", "", "", "留守老人", "低保户", "独居老人、残疾人"]
    base = date(1940, 1, 1)
    with path.open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(rows):
            house = i // 3
            grid = grids[house % len(grids)]
            # (birth date, sequence) must be unique: each day carries 1,000 sequence numbers
            birth = base + timedelta(days=(i // 1000) * 113 % 25000)
            seq = i % 1000
            id_number = make_id_number("610822", birth, seq)
            w.writerow([f"B{house:07d}", grid, f"测试路{house % 500}号", f"测试{i}", id_number,
                        "男" if seq % 2 else "女", birth.isoformat(), relations[i % 3 if i % 3 else 0],
                        f"139{i:08d}"[:11] if i % 4 == 0 else "", tags[i % len(tags)], "户籍", ""])


def make_workbook(csv_path: Path, path: Path) -> None:
    """The same rows as an Excel workbook, every cell text (as a register's ID column must be)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("人口信息")
    with csv_path.open(encoding="gb18030", newline="") as fh:
        for r, row in enumerate(csv.reader(fh)):
            for c, value in enumerate(row):
                if value:
                    sheet.write_string(r, c, value)
    book.close()


def floor(path: Path, tmp: Path) -> float:
    db_path = tmp / "floor.db"
    db_path.unlink(missing_ok=True)
    cpu = time.process_time()
    started = time.perf_counter()
    db = sqlite3.connect(db_path)
    db.execute(f"CREATE TABLE persons ({', '.join(f'c{i} TEXT' for i in range(len(HEADER)))})")
    with path.open(encoding="gb18030", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        db.executemany(f"INSERT INTO persons VALUES ({', '.join('?' * len(HEADER))})", reader)
    db.commit()
    db.close()
    FLOOR_CPU.append(time.process_time() - cpu)
    return time.perf_counter() - started


FLOOR_CPU: list[float] = []


def floor_xlsx(path: Path, tmp: Path) -> float:
    """The workbook read by python-calamine and inserted the same way: what any .xlsx import costs."""
    from python_calamine import CalamineWorkbook

    db_path = tmp / "floor-xlsx.db"
    db_path.unlink(missing_ok=True)
    started = time.perf_counter()
    db = sqlite3.connect(db_path)
    db.execute(f"CREATE TABLE persons ({', '.join(f'c{i} TEXT' for i in range(len(HEADER)))})")
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()
    next(rows)
    db.executemany(f"INSERT INTO persons VALUES ({', '.join('?' * len(HEADER))})", rows)
    db.commit()
    db.close()
    return time.perf_counter() - started


def server_peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """user + system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_cli(env: dict, *args: str, server_pid: int | None = None) -> tuple[float, subprocess.CompletedProcess, dict]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = cpu_seconds(server_pid) if server_pid else 0.0
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", WRAPPER, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time does not grow when other programs crowd the machine, unlike wall time.
    info: dict = {"client_cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
                  "server_cpu": cpu_seconds(server_pid) - server_before if server_pid else 0.0}
    for line in proc.stderr.splitlines():
        if line.startswith("BENCH rss_kb "):
            info["rss_mb"] = int(line.split()[2]) / 1024
        elif line.startswith("BENCH timings "):
            info["timings"] = json.loads(line[len("BENCH timings "):])
    return seconds, proc, info


def fresh_server(tmp: Path, name: str, seeded: Path | None = None):
    from tests.conftest import LiveServer

    if seeded is not None:
        # The write-ahead log holds what was not checkpointed yet (every 40 MB): copy it too.
        for suffix in ("", "-wal"):
            if Path(f"{seeded}{suffix}").exists():
                shutil.copyfile(f"{seeded}{suffix}", tmp / f"{name}.db{suffix}")
    server = LiveServer(tmp / f"{name}.db", scale=None if seeded else "small").start()
    env = {**os.environ, "GRIDCTL_CONFIG_DIR": str(tmp / name / "config"), "GRIDCTL_DATA_DIR": str(tmp / name / "data"),
           "GRIDCTL_LANG": "en", "NO_COLOR": "1"}
    try:
        _log_in(server.url, env)
    except BaseException:
        server.stop()  # a failed log-in must not leave the server running after the bench
        raise
    return server, env


def import_round(tmp: Path, name: str, path: Path, rows: int) -> dict:
    server, env = fresh_server(tmp, name)
    try:
        seconds, proc, info = run_cli(env, "import", "persons", str(path), "-o", "json", server_pid=server.proc.pid)
        summary = json.loads(proc.stdout) if proc.returncode in (0, 3) else {"error": proc.stderr[-500:]}
        out = {"seconds": seconds, "summary": summary, "client_mb": info.get("rss_mb", 0.0),
               "timings": info.get("timings", {}), "client_cpu": info["client_cpu"], "server_cpu": info["server_cpu"]}
        out["exports"] = export_rounds(tmp, name, env, server)
        out["server_mb"] = server_peak_kb(server.proc.pid) / 1024
        return out
    finally:
        server.stop()


def export_rounds(tmp: Path, name: str, env: dict, server) -> dict:
    """``gridctl export persons`` as CSV then .xlsx against a running server."""
    exports = {}
    for fmt in ("csv", "xlsx"):
        target = tmp / f"{name}-export.{fmt}"
        e_seconds, e_proc, e_info = run_cli(env, "export", "persons", "--format", fmt, "--out", str(target),
                                            server_pid=server.proc.pid)
        exports[fmt] = {"seconds": e_seconds, "client_mb": e_info.get("rss_mb", 0.0),
                        "client_cpu": e_info["client_cpu"], "server_cpu": e_info["server_cpu"],
                        "error": e_proc.stderr[-300:] if e_proc.returncode else None}
        if fmt == "csv" and target.exists():
            exports[fmt]["rows"] = sum(1 for _ in target.open(encoding="utf-8-sig")) - 1
        target.unlink(missing_ok=True)
    return exports


def export_only(tmp: Path, rows: int, repeat: int, seed_db: Path | None) -> None:
    """Import once (or reuse ``seed_db``), then each round: a fresh server on a copy, the exports,
    the server's peak memory (of the export alone, since that server imported nothing). Under
    GRIDCTL_TEST_DB (PostgreSQL) the rounds restart a server on the one seeded database."""
    from tests.conftest import ON_POSTGRES, LiveServer

    seeded_server = None
    if ON_POSTGRES or seed_db is None or not seed_db.exists():
        path = tmp / "persons.csv"
        make_file(path, rows)
        server, env = fresh_server(tmp, "seed")
        try:
            _, proc, _ = run_cli(env, "import", "persons", str(path), "-o", "json")
            if proc.returncode not in (0, 3):
                raise SystemExit(f"seeding failed: {proc.stderr[-500:]}")
        finally:
            server.stop()
        seed = tmp / "seed.db"
        if ON_POSTGRES:
            seeded_server = server
        elif seed_db is not None:
            shutil.copyfile(seed, seed_db)
    else:
        seed = seed_db
    runs = []
    try:
        for n in range(repeat):
            if seeded_server is not None:
                server = LiveServer(seeded_server.db_path, scale=None, db=seeded_server.db).start()
                env = {**os.environ, "GRIDCTL_CONFIG_DIR": str(tmp / "seed" / "config"),
                       "GRIDCTL_DATA_DIR": str(tmp / "seed" / "data"), "GRIDCTL_LANG": "en", "NO_COLOR": "1"}
                _log_in(server.url, env)
            else:
                server, env = fresh_server(tmp, f"export{n}", seeded=seed)
            try:
                exports = export_rounds(tmp, f"export{n}", env, server)
                exports["server_mb"] = server_peak_kb(server.proc.pid) / 1024
                runs.append(exports)
            finally:
                server.stop()
                (tmp / f"export{n}.db").unlink(missing_ok=True)
    finally:
        if seeded_server is not None:
            seeded_server.db.drop()
    report_exports(runs)
    med = statistics.median
    emit("export.server_peak_rss", med([r["server_mb"] for r in runs]), "MB",
         runs=[round(r["server_mb"], 1) for r in runs], note="a server that only exported",
         db="postgresql" if ON_POSTGRES else "sqlite")


def _log_in(url: str, env: dict) -> None:
    """Log the admin profile of ``env`` in (again after a restart: the server has a new port)."""
    from tests.conftest import PASSWORD

    old = {k: os.environ.get(k) for k in ("GRIDCTL_CONFIG_DIR", "GRIDCTL_DATA_DIR")}
    os.environ.update({k: env[k] for k in old})
    try:
        from gridctl import ops

        ops.login(url, "county-admin", PASSWORD)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def report_exports(runs: list[dict]) -> None:
    med = statistics.median
    for fmt in ("csv", "xlsx"):
        fruns = [r[fmt] for r in runs]
        emit(f"export.persons_{fmt}", med([r["seconds"] for r in fruns]), "s", rows=fruns[-1].get("rows"),
             runs=[round(r["seconds"], 3) for r in fruns], error=fruns[-1]["error"], load=os.getloadavg()[0])
        emit(f"export.persons_{fmt}_cpu", med([r["client_cpu"] + r["server_cpu"] for r in fruns]), "s",
             client=round(med([r["client_cpu"] for r in fruns]), 3), server=round(med([r["server_cpu"] for r in fruns]), 3))
        emit(f"export.persons_{fmt}_client_peak_rss", med([r["client_mb"] for r in fruns]), "MB",
             runs=[round(r["client_mb"], 1) for r in fruns])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--export-only", action="store_true", help="seed once, then measure only the exports")
    parser.add_argument("--seed-db", type=Path, help="with --export-only: a SQLite server database to reuse "
                        "(made by the first run when missing)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if args.export_only:
            export_only(tmp, args.rows, args.repeat, args.seed_db)
            return
        path = tmp / "persons.csv"
        make_file(path, args.rows)
        emit("import.file_size", path.stat().st_size / 1e6, "MB", rows=args.rows, encoding="gb18030")
        book = tmp / "persons.xlsx"
        make_workbook(path, book)
        emit("import.xlsx_file_size", book.stat().st_size / 1e6, "MB", rows=args.rows)

        floors, floors_x, csv_runs, xlsx_runs = [], [], [], []
        for n in range(args.repeat):
            floors.append(floor(path, tmp))
            floors_x.append(floor_xlsx(book, tmp))
            csv_runs.append(import_round(tmp, f"csv{n}", path, args.rows))
            xlsx_runs.append(import_round(tmp, f"xlsx{n}", book, args.rows))

        med = statistics.median
        floor_s = med(floors)
        emit("import.floor_csv_sqlite", floor_s, "s", rows=args.rows, runs=[round(x, 3) for x in floors])
        emit("import.floor_xlsx_sqlite", med(floors_x), "s", rows=args.rows, runs=[round(x, 3) for x in floors_x])
        for label, runs in (("csv", csv_runs), ("xlsx", xlsx_runs)):
            seconds = [r["seconds"] for r in runs]
            emit(f"import.persons_{label}_end_to_end", med(seconds), "s", rows=args.rows, summary=runs[-1]["summary"],
                 rows_per_s=round(args.rows / med(seconds)), vs_floor=round(med(seconds) / floor_s, 2),
                 runs=[round(x, 3) for x in seconds])
            client_cpu, server_cpu = med([r["client_cpu"] for r in runs]), med([r["server_cpu"] for r in runs])
            emit(f"import.persons_{label}_cpu", client_cpu + server_cpu, "s", client=round(client_cpu, 3),
                 server=round(server_cpu, 3), floor_cpu=round(med(FLOOR_CPU), 3),
                 vs_floor_cpu=round((client_cpu + server_cpu) / med(FLOOR_CPU), 2),
                 note="CPU seconds of both processes: unlike wall time, not inflated by a crowded machine")
            keys = sorted({k for r in runs for k in r["timings"]})
            emit(f"import.persons_{label}_where_time_went", med(seconds), "s",
                 **{k: round(med([r["timings"].get(k, 0.0) for r in runs]), 3) for k in keys})
            emit(f"import.{label}_client_peak_rss", med([r["client_mb"] for r in runs]), "MB",
                 runs=[round(r["client_mb"], 1) for r in runs])
            emit(f"import.{label}_server_peak_rss", med([r["server_mb"] for r in runs]), "MB",
                 runs=[round(r["server_mb"], 1) for r in runs])
        report_exports([r["exports"] for r in csv_runs])


if __name__ == "__main__":
    main()
