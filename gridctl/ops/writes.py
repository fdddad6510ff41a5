"""The one path of every write: validate, store with its outbox mutation, push when online."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Iterable

from gridctl import sync
from gridctl.errors import Forbidden, InvalidInput, NotLoggedIn, Unreachable
from gridctl.i18n import get_lang
from gridctl.ids import uuid7
from gridctl.ops.client import Client, WriteResult
from gridctl.paths import private_dir, profile_data_dir
from schemas.validators import format_time

MAX_PHOTO_BYTES = 10 * 1024 * 1024


def invalid(exc: Exception) -> InvalidInput:
    """A validation failure from schemas or pydantic, as the core's error naming the field by its
    label in the user's language (never an internal name such as ``value``)."""
    from gridctl.field_text import field_label, pydantic_text

    def said(field, text: str) -> InvalidInput:
        name = field_label(field)
        key = "core.error.invalid_field" if name else "core.error.invalid_text"
        return InvalidInput(key, field=field if isinstance(field, str) else None, name=name, text=text)

    code_message = getattr(exc, "message", None)
    if callable(code_message):
        return said(getattr(exc, "field", None), code_message(get_lang()))
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"])
        if not name:
            # A check of the whole record (latitude with longitude...) names its field itself.
            name = getattr((first.get("ctx") or {}).get("error"), "field", None)
        return said(name or None, pydantic_text(first))
    return said(None, str(exc))


def validate(model_name: str, payload: dict) -> dict:
    # pydantic (via schemas.models) is heavy: loaded on the first write, never for --help or a read.
    from pydantic import ValidationError

    from schemas import models

    try:
        return getattr(models, model_name).model_validate(payload).model_dump(mode="json")
    except ValidationError as exc:
        raise invalid(exc) from None


def refuse_unit_register(client: Client) -> None:
    """DESIGN 15: a unit user works on its unit's cases, never on the register; said before any
    look-up (which would only answer "not found") and again by the server."""
    if (client.user or {}).get("role") == "unit":
        raise Forbidden("roles.unit_no_register", hint_key="roles.unit_no_register.hint")


def write(client: Client, entity: str, record: dict, mtype: str, payload: dict,
          base_version: int | None = None) -> WriteResult:
    mutation = {"id": uuid7(), "type": mtype, "base_version": base_version, "payload": payload,
                "created_at": format_time(client.now())}
    client.store.write(entity, record, mutation)
    return push_now(client, entity, record["id"], mutation["id"], record)


def unchanged(client: Client, entity: str, record: dict) -> WriteResult:
    """A write that would give a record the values it already holds: nothing is queued or sent
    (``unchanged``), and the record is answered with its sync state as it stands."""
    from gridctl.ops.refs import mark_sync

    shown = mark_sync(client, [dict(record)])[0]
    return WriteResult(record={**shown, "unchanged": True}, mutation_id="", sync_state=shown.get("sync") or "synced",
                       unchanged=True)


def push_now(client: Client, entity: str, record_id: str, mutation_id: str, record: dict | None = None) -> WriteResult:
    """Push the outbox when online and say what became of one mutation: synced, pending (no
    server), conflict/rejected (with the server's problem) or waiting (queued behind a
    quarantined mutation: ``waits_for`` names it)."""
    state, problem, waits_for, unchanged = "pending", None, None, False
    if not client.offline:
        try:
            report = sync.push(client.store, client.api, client.device_id, batch_size=client.batch_size)
            item = client.store.outbox_item(mutation_id) or {}
            state = {"applied": "synced"}.get(item.get("state"), item.get("state") or "pending")
            result = item.get("result") or {}
            problem = result.get("problem")
            unchanged = state == "synced" and result.get("unchanged") is True
            waiting = {w["id"]: w for w in report.waiting_items}
            if state == "pending" and mutation_id in waiting:
                state, waits_for = "waiting", waiting[mutation_id]["waits_for"]
                problem = {"waits_for": waits_for, "blocker_state": waiting[mutation_id]["blocker_state"]}
            if state == "synced":
                try:
                    sync.pull(client.store, client.api)
                except Unreachable:
                    pass  # delivered; the cache catches up at the next pull
        except Unreachable:
            state = "pending"
        except NotLoggedIn:
            state = "pending"  # saved; it goes out after `gridctl auth login`
    stored = client.store.get(entity, record_id) or record or {"id": record_id}
    out = {**stored, "sync": state}
    if waits_for:
        out["waits_for"] = waits_for
    if unchanged:
        out["unchanged"] = True
    return WriteResult(record=out, mutation_id=mutation_id, sync_state=state, problem=problem, waits_for=waits_for,
                       unchanged=unchanged)


def store_photos(client: Client, paths: Iterable[str | Path]) -> list[str]:
    """Copy photos into the profile's blob folder (they survive the original being moved)."""
    hashes = []
    folder = private_dir(profile_data_dir(client.profile.name) / "blobs")
    for raw in paths:
        path = Path(raw).expanduser()
        try:
            data = path.read_bytes()
        except OSError:
            raise InvalidInput("core.photo.unreadable", field="photo", path=str(path)) from None
        if len(data) > MAX_PHOTO_BYTES:
            raise InvalidInput("core.photo.too_large", field="photo", path=str(path))
        if not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")
                or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")):
            raise InvalidInput("core.photo.not_image", field="photo", path=str(path))
        sha = hashlib.sha256(data).hexdigest()
        target = folder / sha
        if not target.exists():
            tmp = folder / f".{sha}.tmp"
            shutil.copyfile(path, tmp)
            tmp.replace(target)
        client.store.add_blob(sha, str(target))
        hashes.append(sha)
    return hashes
