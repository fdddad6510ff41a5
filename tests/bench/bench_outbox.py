"""The outbox under DESIGN §12 (issue 8): 300 offline writes to one grid, two of them refused.

Figures: the sync's wall time and push requests, how many writes landed and how many wait, and
the cost of marking a household list's rows with their sync state. Run: python tests/bench/bench_outbox.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from _common import emit

from schemas.validators import make_id_number


def main() -> None:
    from server.runner import BackgroundServer

    folder = Path(tempfile.mkdtemp(prefix="gridctl-bench-outbox-"))
    server = BackgroundServer(f"sqlite:///{folder / 'server.db'}", demo=True, demo_scale="small").start()
    times = []
    try:
        for run in range(3):
            os.environ["GRIDCTL_CONFIG_DIR"] = str(folder / f"c{run}")
            os.environ["GRIDCTL_DATA_DIR"] = str(folder / f"d{run}")
            from gridctl import ops, sync

            ops.login(server.url, "gw-001", "demo-pass")
            client = ops.Client.open()
            households = ops.list_households(client).items[:30]
            taken = make_id_number("610822", date(1970, 1, 1), 600 + run * 2 + 1)
            ops.add_person(client, households[0]["id"], name="已有", id_number=taken, sex="male")
            client.close()
            client = ops.Client.open(offline=True)
            # Two refused writes (duplicate ID numbers), each with a follow-up edit that must wait.
            for hh in households[1:3]:
                p = ops.add_person(client, hh["id"], name="重复", id_number=taken, sex="male").record
                ops.update_person(client, p["id"], phone="13900000000")
            n = 4
            while n < 300:
                hh = households[n % len(households)]
                if n % 3:
                    ops.log_visit(client, hh["id"], purpose="routine")
                else:
                    member = ops.show_household(client, hh["id"])["persons"][0]
                    ops.update_person(client, member["id"], phone=f"137{n:08d}")
                n += 1
            client.close()
            client = ops.Client.open()
            start = time.perf_counter()
            report = sync.sync(client, push_only=True)
            elapsed = time.perf_counter() - start
            times.append(elapsed)
            emit("sync_300_writes_2_refused", elapsed, "s", run=run, push_requests=report.requests,
                 applied=report.applied, rejected=report.rejected, waiting=report.waiting)
            start = time.perf_counter()
            for _ in range(20):
                ops.list_households(client)
            emit("household_list_with_sync_marks", (time.perf_counter() - start) / 20, "s", run=run,
                 unsent=len(client.store.outbox(["pending", "rejected", "conflict"])))
            client.close()
        emit("sync_300_writes_2_refused_median", statistics.median(times), "s")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
