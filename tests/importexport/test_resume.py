"""An import cut off by a dead server is finished by running it again, with nothing duplicated;
progress is reported through the callback, and the command draws no bar when not on a terminal."""

from __future__ import annotations

import json
from datetime import date

import pytest

from gridctl.errors import Unreachable
from gridctl.importer import run_import
from schemas.validators import make_id_number

from .test_import import endpoint, persons_by_id  # noqa: F401 - fixture reused


def write_persons(path, n: int, start: int) -> list[str]:
    ids = [make_id_number("610822", date(1970, 1, 1 + i), start + i) for i in range(n)]
    lines = ["户号,网格编码,姓名,身份证号"] + [f"R-{start}-{i // 2},610822101200005,续传{i},{ids[i]}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ids


@pytest.mark.slow
def test_dead_server_then_rerun_finishes_without_duplicates(admin_api, ie_server, endpoint, gridctl, admin_env,
                                                           tmp_path):
    path = tmp_path / "resume.csv"
    ids = write_persons(path, 6, 300)
    calls = []

    def progress(done, total, key):
        calls.append((done, total, key))
        if done == 2:
            ie_server.stop()  # the server dies after the first batch was committed

    try:
        with pytest.raises(Unreachable) as info:
            run_import(admin_api, "persons", path, batch_size=2, progress=progress)
    finally:
        ie_server.start()
    # Two batches are in flight: the second may have been answered before the server went.
    done = next(n for n in (2, 4) if str(info.value).startswith(
        f"the server {ie_server.url} stopped answering after {n} rows were processed\n"
        "Nothing is lost or duplicated: run the same command again"))
    assert info.value.exit_code == 8
    assert calls[:2] == [(0, 6, "importer.progress.rows"), (2, 6, "importer.progress.rows")]

    r = gridctl(admin_env, "import", "persons", str(path), "-o", "json")
    assert r.exit_code == 0, r.stderr
    again = json.loads(r.stdout)
    # the second batch may also have been committed with its answer lost as the server went
    assert again["unchanged"] in (done, 4) and again == {"created": 6 - again["unchanged"], "updated": 0,
                                                        "unchanged": again["unchanged"], "rejected": 0}
    assert "\r" not in r.stderr and "━" not in r.stderr  # no progress bar when not a terminal
    assert all(len(persons_by_id(ie_server.url, endpoint, i)) == 1 for i in ids)
