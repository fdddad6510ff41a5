"""Benchmark: import of N persons from a GB18030 CSV end to end, against the raw floor; export.

Prints one JSON line per figure. Run: python tests/bench/bench_import.py [--rows 200000]

- floor: the same file read with ``csv`` and inserted with ``sqlite3`` ``executemany`` into one
  table (no validation, no network) — measured in the same run, on the same machine;
- import: ``gridctl import persons FILE`` as a subprocess against the reference server (small
  demo seed, SQLite file) on loopback: read, validate, send in batches of 5,000, committed;
- peak memory (max RSS) of the importing client process and of the server process;
- export: ``gridctl export persons --out FILE`` of everything imported (masked CSV).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

HEADER = ["户号", "网格编码", "地址", "姓名", "身份证号", "性别", "出生日期", "与户主关系", "联系电话", "人员标签", "户籍类型", "关注程度"]


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


def floor(path: Path, tmp: Path) -> float:
    started = time.perf_counter()
    db = sqlite3.connect(tmp / "floor.db")
    db.execute(f"CREATE TABLE persons ({', '.join(f'c{i} TEXT' for i in range(len(HEADER)))})")
    with path.open(encoding="gb18030", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        db.executemany(f"INSERT INTO persons VALUES ({', '.join('?' * len(HEADER))})", reader)
    db.commit()
    db.close()
    return time.perf_counter() - started


def server_peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()

    from tests.conftest import PASSWORD, LiveServer

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        path = tmp / "persons.csv"
        make_file(path, args.rows)
        emit("import.file_size", path.stat().st_size / 1e6, "MB", rows=args.rows, encoding="gb18030")

        floor_s = floor(path, tmp)
        emit("import.floor_csv_sqlite", floor_s, "s", rows=args.rows)

        server = LiveServer(tmp / "server.db").start()
        env = {**os.environ, "GRIDCTL_CONFIG_DIR": str(tmp / "config"), "GRIDCTL_DATA_DIR": str(tmp / "data"),
               "GRIDCTL_LANG": "en", "NO_COLOR": "1"}
        os.environ.update({k: env[k] for k in ("GRIDCTL_CONFIG_DIR", "GRIDCTL_DATA_DIR")})
        try:
            from gridctl import ops

            ops.login(server.url, "county-admin", PASSWORD)
            started = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "gridctl", "import", "persons", str(path), "-o", "json"],
                                  cwd=ROOT, env=env, capture_output=True, text=True)
            import_s = time.perf_counter() - started
            client_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            summary = json.loads(proc.stdout) if proc.returncode in (0, 3) else {"error": proc.stderr[-500:]}
            emit("import.persons_end_to_end", import_s, "s", rows=args.rows, summary=summary,
                 rows_per_s=round(args.rows / import_s), vs_floor=round(import_s / floor_s, 2))
            emit("import.client_peak_rss", client_kb / 1024, "MB")
            emit("import.server_peak_rss", server_peak_kb(server.proc.pid) / 1024, "MB")

            started = time.perf_counter()
            out = tmp / "export.csv"
            proc = subprocess.run([sys.executable, "-m", "gridctl", "export", "persons", "--out", str(out)],
                                  cwd=ROOT, env=env, capture_output=True, text=True)
            export_s = time.perf_counter() - started
            exported = sum(1 for _ in out.open(encoding="utf-8-sig")) - 1 if out.exists() else 0
            emit("export.persons", export_s, "s", rows=exported, error=proc.stderr[-300:] if proc.returncode else None)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
