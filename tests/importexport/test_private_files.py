"""Files that may hold personal data are created 0600 whatever the umask (DESIGN §14), and a
revealed export is audited on the server, one row per page it read."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import httpx

DATA = Path(__file__).resolve().parents[1] / "data" / "import"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_import_errors_file_is_0600_even_under_a_permissive_umask(gridctl, admin_env, tmp_path):
    errors = tmp_path / "rejected.csv"
    errors.write_text("old\n")
    os.chmod(errors, 0o644)  # an existing, readable file is tightened, not kept as it was
    old = os.umask(0o000)
    try:
        r = gridctl(admin_env, "import", "persons", str(DATA / "persons_broken.csv"), "--errors", str(errors),
                    "--dry-run", "-o", "json")
    finally:
        os.umask(old)
    assert r.exit_code == 3, r.stderr
    assert _mode(errors) == 0o600
    assert "row" in errors.read_text(encoding="utf-8-sig").splitlines()[0]


def test_revealed_export_is_0600_and_audited_once_per_page(gridctl, admin_env, ie_server, tmp_path):
    from tests.conftest import token_for

    headers = {"Authorization": f"Bearer {token_for(ie_server.url, 'county-admin')}"}

    def audit_rows() -> list[dict]:
        return httpx.get(ie_server.url + "/api/v1/audit", params={"limit": 1000}, headers=headers).json()["items"]

    top = max((row["id"] for row in audit_rows()), default=0)
    out = tmp_path / "persons.csv"
    old = os.umask(0o022)
    try:
        r = gridctl(admin_env, "export", "persons", "--reveal", "--out", str(out))
        plain = tmp_path / "plain.csv"
        assert gridctl(admin_env, "export", "households", "--out", str(plain)).exit_code == 0
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.stderr
    assert _mode(out) == 0o600
    assert _mode(plain) == 0o644  # nothing revealed: an ordinary file
    new = [row for row in audit_rows() if row["id"] > top]
    reveal = [row for row in new if row["action"] == "person.export_reveal"]
    exported = sum(1 for _ in out.open(encoding="utf-8-sig")) - 1
    assert len(reveal) >= 1 and sum(len(row["record_ids"]) for row in reveal) == exported
    assert all(row["username"] == "county-admin" for row in new)


def test_audit_list_for_admins_only(gridctl, admin_env, worker_env):
    r = gridctl(admin_env, "audit", "list", "--user", "county-admin", "--since", "2000-01-01", "-o", "json")
    assert r.exit_code == 0, r.stderr
    import json

    rows = json.loads(r.stdout)
    assert isinstance(rows, list) and all(row["username"] == "county-admin" for row in rows)
    r = gridctl(worker_env, "audit", "list")
    assert r.exit_code == 4, (r.exit_code, r.stderr)
    r = gridctl(admin_env, "audit", "list", "--since", "yesterday-ish")
    assert r.exit_code == 2 and "--since" in r.stderr
