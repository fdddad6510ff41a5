"""Small helpers for talking to the live server in tests."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx

from schemas.ids import uuid7

GW1_GRID = "610822100200001"
GW2_GRID = "610822100200002"


def now_text() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Api:
    def __init__(self, url: str, token: str) -> None:
        self.http = httpx.Client(base_url=url + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def get(self, path: str, **params):
        return self.http.get(path, params=params)

    def push(self, *mutations: dict, device: str = "test-device") -> list[dict]:
        r = self.http.post("/sync/push", json={"device_id": device, "mutations": list(mutations)})
        assert r.status_code == 200, r.text
        return r.json()["results"]

    def pull_all(self) -> list[dict]:
        changes, cursor = [], None
        while True:
            page = self.http.get("/sync/pull", params={"cursor": cursor} if cursor else {}).json()
            changes += page["changes"]
            cursor = page["cursor"]
            if not page["has_more"]:
                return changes


def report(grid: str = GW1_GRID, title: str = "楼道堆放杂物", **extra) -> dict:
    case_id = uuid7()
    payload = {"id": case_id, "title": title, "category": "safety_hazard", "grid_code": grid, **extra}
    return {"id": uuid7(), "type": "case.report", "created_at": now_text(), "payload": payload}


def act(case_id: str, action: str, base_version: int | None = None, **params) -> dict:
    return {"id": uuid7(), "type": "case.act", "created_at": now_text(), "base_version": base_version,
            "payload": {"case_id": case_id, "action": action, **params}}


def image_bytes(seed: int | str = 0, fmt: str = "PNG") -> bytes:
    """A small real image (Pillow), different for each seed: the server decodes every upload."""
    import io
    import zlib

    from PIL import Image

    n = zlib.crc32(str(seed).encode())
    img = Image.new("RGB", (4, 3), ((n >> 16) & 255, (n >> 8) & 255, n & 255))
    out = io.BytesIO()
    img.save(out, format=fmt)
    return out.getvalue()
