"""An import starts the first-visit clock of the people it tags (``followed_since``, DESIGN 3 and
17) as a command does: today for a tag with a visit frequency, kept while they stay followed,
gone when the file takes their last tag off; a re-run changes nothing. Real CLI, real server."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from schemas.validators import CST
from tests.conftest import token_for

from .test_import import endpoint, get  # noqa: F401  (the fixture)
from .test_import_neighbours import GRID, People, write


def test_an_import_starts_the_clock_of_whom_it_tags_and_a_rerun_keeps_it(gridctl, admin_env, ie_server, tmp_path):
    people, tag = People(), uuid.uuid4().hex[:6]
    house = f"{GRID}F{tag}"
    head, son, wife = (people.row(house, f"甲{tag}", "户主"), people.row(house, f"乙{tag}", "子"),
                       people.row(house, f"丙{tag}", "配偶"))
    head[9], son[9] = "独居老人", "低保户"
    path = tmp_path / "followed.csv"
    write(path, [head, son, wife])
    r = gridctl(admin_env, "import", "persons", str(path), "-o", "json")
    assert r.exit_code == 0, r.stderr
    token = token_for(ie_server.url, "county-admin")

    def since() -> dict[str, str | None]:
        items = get(ie_server.url, token, "/persons", q=tag, limit=50)["items"]
        return {p["name"][0]: p["followed_since"] for p in items}

    today = datetime.now(CST).date().isoformat()
    assert since() == {"甲": today, "乙": today, "丙": None}
    r = gridctl(admin_env, "import", "persons", str(path), "-o", "json")
    assert json.loads(r.stdout) == {"created": 0, "updated": 0, "unchanged": 3, "rejected": 0}

    # The file changes: the son's tag goes, the wife gets one; the head keeps being followed.
    from sqlalchemy import update

    from server.db import persons

    with ie_server.db.engine().begin() as conn:  # the head was followed long before
        conn.execute(update(persons).where(persons.c.id_number == head[4]).values(followed_since="2024-05-01"))
    head[9], son[9], wife[9] = "独居老人|残疾人", "", "留守妇女"
    write(path, [head, son, wife])
    r = gridctl(admin_env, "import", "persons", str(path), "-o", "json")
    assert json.loads(r.stdout) == {"created": 0, "updated": 3, "unchanged": 0, "rejected": 0}, r.stderr
    assert since() == {"甲": "2024-05-01", "乙": None, "丙": today}
