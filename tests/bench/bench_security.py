"""What the DESIGN §14 defences cost, over real HTTP on loopback: a successful login (its limit
rows reserved and given back), a page of 100 persons read by an admin (full ID numbers: one audit
row) and by a station (masked: none), a photo upload decoded by Pillow, a push of 100 reports.

Run: python tests/bench/bench_security.py — one JSON line per figure (medians).
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from pathlib import Path

from _common import emit, median_of


def main() -> None:
    import httpx
    from PIL import Image

    from tests.conftest import LiveServer, token_for
    from tests.server.helpers import report

    server = LiveServer(Path(tempfile.mkdtemp(prefix="gridctl-bench-")) / "sec.db").start()
    try:
        url = server.url + "/api/v1"
        med, times = median_of(lambda: httpx.post(url + "/auth/token", json={
            "username": "village-01", "password": "demo-pass"}).raise_for_status(), runs=15)
        emit("login_success", med, "s", runs=len(times))
        for user in ("county-admin", "station-01"):
            headers = {"Authorization": f"Bearer {token_for(server.url, user)}"}
            with httpx.Client(base_url=url, headers=headers) as http:
                http.get("/persons", params={"limit": 100})
                med, _ = median_of(lambda: http.get("/persons", params={"limit": 100}).raise_for_status(), runs=25)
                emit("persons_page_100", med, "s", user=user, audited=user == "county-admin")
        headers = {"Authorization": f"Bearer {token_for(server.url, 'gw-001')}"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            images = []
            for i in range(7):
                out = io.BytesIO()
                Image.effect_noise((1600, 1200), 40 + i).convert("RGB").save(out, "JPEG", quality=90)
                images.append(out.getvalue())
            it = iter(images)

            def put() -> None:
                data = next(it)
                http.put(f"/blobs/{hashlib.sha256(data).hexdigest()}", content=data).raise_for_status()

            med, _ = median_of(put, runs=7)
            emit("blob_put_decoded_jpeg", med, "s", bytes=len(images[0]), pixels="1600x1200")

            def push() -> None:
                r = http.post("/sync/push", json={"device_id": "bench", "mutations": [report() for _ in range(100)]})
                assert all(x["status"] == "applied" for x in r.json()["results"])

            med, _ = median_of(push, runs=5)
            emit("push_100_reports", med, "s")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
