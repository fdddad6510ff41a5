"""Faults found by living a day of each role through the real CLI against the real server
(SQLite and PostgreSQL): each test failed before its fix."""

from __future__ import annotations

import io

from tests.cli.test_closed_loop import _report_to_town


def _bomb_png() -> bytes:
    """A real PNG of 64 million pixels in a few kilobytes: the client's magic-byte check lets it
    through, the server's decoder (Pillow, pixel limit) refuses it."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, format="PNG")
    return out.getvalue()


def test_a_photo_the_server_refuses_quarantines_its_report_and_traps_nothing_else(cli, login, server_factory,
                                                                                  tmp_path):
    # A photo the server would not take made every push fail ("server refused the request"),
    # exit 2: the report stayed `pending` (which outbox retry/discard refuse to touch), and every
    # later write of the worker (a visit of another household) was stuck behind it, unseen.
    server = server_factory()
    login(server, "gw-001")
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_bomb_png())
    r = cli("incident", "report", "--category", "dispute", "--title", "楼道堆放杂物", "--photo", str(bomb),
            "-o", "json")
    assert r.code == 3, (r.out, r.err)
    made = r.json()
    assert made["sync"] == "rejected"
    assert "photo" in r.err and "--photo" in r.err, r.err
    assert server.db.scalar("SELECT count(*) FROM cases WHERE id = :i", i=made["id"]) == 0

    household = cli("household", "list", "-o", "json").json()[0]
    r = cli("visit", "log", household["id"], "--purpose", "routine", "-o", "json")
    assert r.code == 0 and r.json()["sync"] == "synced", (r.out, r.err)
    assert server.db.scalar("SELECT count(*) FROM visits WHERE id = :i", i=r.json()["id"]) == 1

    r = cli("sync")
    assert r.code == 3 and "case.report" in r.err and "photo" in r.err, r.err
    r = cli("--lang", "zh", "incident", "report", "--category", "dispute", "--title", "又一张", "--photo", str(bomb))
    assert r.code == 3 and "照片" in r.err and "JPEG" in r.err and "photos must" not in r.err, r.err
    items = cli("outbox", "list", "-o", "json").json()
    assert [i["state"] for i in items] == ["rejected", "rejected"] and items[0]["entity_id"] == made["id"]
    for item in items:
        assert cli("outbox", "discard", item["id"]).code == 0
    assert cli("sync").code == 0
    assert cli("outbox", "list", "-o", "json").json() == []


def test_a_unit_sees_the_photos_of_the_case_dispatched_to_it_and_no_other_unit_does(cli, login, server_factory,
                                                                                    tmp_path):
    # DESIGN 14/15: a photo is readable by whoever has a case naming it in scope; a unit's scope
    # is the cases dispatched to it. unit-zf, asked to clear a stall, got 404 for the photo of it.
    import httpx

    from tests.conftest import token_for
    from tests.server.helpers import image_bytes

    server = server_factory()
    login(server, "gw-001")
    photo = tmp_path / "stall.png"
    photo.write_bytes(image_bytes("stall"))
    made = cli("incident", "report", "--category", "city_management", "--title", "占道经营", "--photo", str(photo),
               "-o", "json").json()
    [sha] = made["photos"]
    assert cli("case", "escalate", made["serial"], "--reason", "需镇执法队处置", "--to", "town").code == 0
    login(server, "station-01", profile="station")

    def status(username: str) -> int:
        headers = {"Authorization": f"Bearer {token_for(server.url, username)}"}
        return httpx.get(f"{server.url}/api/v1/blobs/{sha}", headers=headers, timeout=30).status_code

    assert status("unit-zf") == 404  # not dispatched to it yet
    assert cli("--profile", "station", "case", "dispatch", made["serial"], "--to", "610822100-ZF").code == 0
    assert status("unit-zf") == 200
    assert status("unit-zjj") == 404  # another unit
    assert status("gw-002") == 404  # another grid


def test_mediation_and_alert_texts_refuse_control_characters_and_direction_overrides(cli, login, server_factory,
                                                                                    tokens=None):
    # DESIGN 14: text fields refuse C0/C1 controls and bidi overrides. A mediation's agreement
    # number, participants and method, and an alert's acknowledgement note, took an ANSI escape
    # (which repaints the station's terminal) or a U+202E as they were, and stored them.
    import uuid
    from datetime import datetime, timezone

    import httpx

    from tests.conftest import token_for

    server = server_factory()
    made = _report_to_town(cli, login, server, "占道经营")
    st = ("--profile", "station")
    assert cli(*st, "case", "dispatch", made["serial"], "--to", "610822100-ZF").code == 0
    login(server, "unit-zf", profile="zf")
    zf = ("--profile", "zf")
    assert cli(*zf, "case", "sign", made["serial"]).code == 0
    for flag, value in (("--agreement-no", "NO\x1b[31m1"), ("--participant", "王\u202e某"),
                        ("--note", "ok\x07")):
        r = cli(*zf, "case", "mediate", made["serial"], "--result", "agreed", "--agreement-no", "A-1",
                "--participant", "王某", flag, value)
        assert r.code == 2 and flag in r.err, (flag, r.err)
    assert cli(*zf, "outbox", "list", "-o", "json").json() == []

    alert = cli(*st, "alert", "list", "-o", "json").json()[0]
    for value in ("seen\x07", "seen\u202e", "a\x1b[2J"):
        r = cli(*st, "alert", "ack", alert["id"], "--note", value)
        assert r.code == 2 and "--note" in r.err, (value, r.err)
    r = cli(*st, "--lang", "zh", "alert", "ack", alert["id"], "--note", "seen\x07")
    assert r.code == 2 and "控制字符" in r.err, r.err

    # The server refuses them too, whoever writes the mutation.
    now = datetime.now(timezone.utc).isoformat()
    headers = {"Authorization": f"Bearer {token_for(server.url, 'station-01')}"}
    body = {"device_id": "probe", "mutations": [
        {"id": str(uuid.uuid4()), "type": "alert.ack", "created_at": now,
         "payload": {"alert_id": alert["id"], "note": "x\x1b[2J"}},
        {"id": str(uuid.uuid4()), "type": "case.act", "created_at": now, "base_version": None,
         "payload": {"case_id": made["id"], "action": "comment", "note": "ok", "participants": ["\u202e"]}}]}
    results = httpx.post(f"{server.url}/api/v1/sync/push", json=body, headers=headers, timeout=30).json()["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected"], results
    assert server.db.scalar("SELECT ack_note FROM alerts WHERE id = :i", i=alert["id"]) is None


def test_a_unit_asking_for_figures_is_told_it_has_none_in_its_language(cli, login, server_factory):
    # A unit has no division: `gridctl index`/`report` sent an empty division and answered
    # "division code '' must be 6, 9, 12 or 15 digits" (exit 2), in English under --lang zh too.
    server = server_factory()
    login(server, "unit-zf")
    for args in (("index",), ("report", "weekly", "--out", "w.html")):
        r = cli(*args)
        assert r.code == 4 and "unit" in r.err and "''" not in r.err, (args, r.err)
        r = cli("--lang", "zh", *args)
        assert r.code == 4 and "处置单位" in r.err and "division" not in r.err, (args, r.err)
    # A malformed code is said in the user's language too.
    login(server, "station-01", profile="st")
    # Another town: named, not a bare "not found".
    for args in (("index", "--division", "610822101"), ("report", "weekly", "--division", "610822101", "--out", "w.html")):
        r = cli("--profile", "st", *args)
        assert r.code == 5 and "610822101" in r.err and "scope" in r.err, r.err
    r = cli("--profile", "st", "--lang", "zh", "index", "--division", "12345")
    assert r.code == 2 and "区划" in r.err and "must be" not in r.err, r.err
    import httpx

    from tests.conftest import token_for

    headers = {"Authorization": f"Bearer {token_for(server.url, 'station-01')}", "Accept-Language": "zh-CN"}
    for path in ("/stats/overview", "/stats/index", "/stats/report"):
        r = httpx.get(f"{server.url}/api/v1{path}", params={"division": "6108"}, headers=headers, timeout=30)
        assert r.status_code == 422 and "区划代码“6108”" in r.json()["detail"], (path, r.text)


ESC = "a\x1b[2Jb"


def test_every_refused_flag_is_named_with_the_flag_and_a_label(cli, login, live_server):
    # A refused --description, --party, --concern or --next-visit printed the message with no
    # "check the value of --flag"; a refused `person move-out --to` named the field `moved_to`.
    login(live_server, "gw-001")
    household = cli("household", "list", "-o", "json").json()[0]
    person = cli("person", "list", "--household", household["id"], "-o", "json").json()[0]
    cases = [
        (("incident", "report", "--category", "dispute", "--title", "t", "--description", ESC), "--description"),
        (("incident", "report", "--category", "dispute", "--title", "t", "--party", ESC), "--party"),
        (("visit", "log", household["id"], "--purpose", "routine", "--concern", ESC), "--concern"),
        (("visit", "log", household["id"], "--purpose", "routine", "--next-visit", "2031-01-01"), "--next-visit"),
        (("person", "move-out", person["id"], "--to", ESC), "--to"),
    ]
    for args, flag in cases:
        for lang in ("en", "zh"):
            r = cli("--lang", lang, *args)
            assert r.code == 2 and flag in r.err, (lang, args, r.err)
            assert "moved_to" not in r.err and "next_visit_due" not in r.err, r.err
    assert cli("outbox", "list", "-o", "json").json() == []


def test_report_and_index_refuse_dates_with_no_figures_and_say_why_a_file_cannot_be_written(cli, login,
                                                                                           server_factory, tmp_path):
    # `report weekly --at 2099-01-01` wrote an empty report of 2098-12-29..2099-01-04 (exit 0), and
    # `--out` into a missing folder printed "cannot write {path} ({detail})" as it was.
    import httpx

    from tests.conftest import token_for

    server = server_factory()
    login(server, "station-01")
    out = str(tmp_path / "r.html")
    for at in ("2099-01-01", "1900-01-01"):
        for args in (("report", "weekly", "--out", out, "--at", at), ("index", "--at", at)):
            r = cli(*args)
            assert r.code == 2 and "--at" in r.err and at in r.err, (args, r.err)
            r = cli("--lang", "zh", *args)
            assert r.code == 2 and "--at" in r.err and "日期" in r.err, (args, r.err)
    assert not (tmp_path / "r.html").exists()
    missing = tmp_path / "no" / "such" / "r.html"
    for lang, words in (("en", "No such file"), ("zh", "无法写入")):
        r = cli("--lang", lang, "report", "weekly", "--out", str(missing))
        assert r.code == 2 and str(missing) in r.err and words in r.err and "{" not in r.err, r.err
        assert "--out" in r.err, r.err
    headers = {"Authorization": f"Bearer {token_for(server.url, 'station-01')}", "Accept-Language": "zh-CN"}
    for path, extra in (("/stats/index", {}), ("/stats/report", {"period": "week"})):
        for at in ("2099-01-01", "1999-12-31"):
            r = httpx.get(f"{server.url}/api/v1{path}", params={"at": at, **extra}, headers=headers, timeout=30)
            assert r.status_code == 422 and at in r.json()["detail"] and "日期" in r.json()["detail"], (path, r.text)
    r = httpx.get(f"{server.url}/api/v1/stats/report", params={"period": "week", "at": "2026-01-05"},
                  headers=headers, timeout=30)
    assert r.status_code == 200, r.text


def test_admin_only_refusals_are_said_in_chinese(cli, login, live_server):
    # `gridctl --lang zh audit list` as a station printed "无权执行此操作: only an admin may do this".
    import httpx

    from tests.conftest import token_for

    login(live_server, "station-01")
    r = cli("--lang", "zh", "audit", "list")
    assert r.code == 4 and "管理员" in r.err and "only an admin" not in r.err, r.err
    headers = {"Authorization": f"Bearer {token_for(live_server.url, 'station-01')}", "Accept-Language": "zh-CN"}
    r = httpx.get(f"{live_server.url}/api/v1/persons", params={"reveal": "true"}, headers=headers, timeout=30)
    assert r.status_code == 403 and "管理员" in r.json()["detail"], r.text


def test_the_report_names_alert_kinds_in_words_in_both_languages(cli, login, live_server, tmp_path):
    # The report's alerts section listed due_soon, follow_up_due, visit_overdue... as codes,
    # in the zh report as in the en one.
    from python_calamine import CalamineWorkbook

    login(live_server, "station-01")
    for lang, words in (("zh", "即将超期"), ("en", "Due soon")):
        out = tmp_path / f"m-{lang}.xlsx"
        html = tmp_path / f"m-{lang}.html"
        assert cli("--lang", lang, "report", "monthly", "--out", str(out)).code == 0
        assert cli("--lang", lang, "report", "monthly", "--out", str(html)).code == 0
        book = CalamineWorkbook.from_path(str(out))
        cells = {str(c) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python() for c in row}
        assert words in cells and not cells & {"due_soon", "follow_up_due", "overdue", "visit_overdue"}, lang
        text = html.read_text(encoding="utf-8")
        assert words in text and ">due_soon<" not in text and ">visit_overdue<" not in text, lang


def test_the_dashboard_tells_a_unit_it_has_no_division_before_opening(cli, login, live_server, monkeypatch):
    # `gridctl dashboard` as unit-zf opened on "the server refused the request: division: expected
    # a division code" (the scope of a unit is its cases, not a division).
    from tui.dashboard.app import DashboardApp

    def opened(self, *a, **kw):
        raise AssertionError("the dashboard opened")

    monkeypatch.setattr(DashboardApp, "run", opened)
    login(live_server, "unit-zf")
    for lang, words in (("en", "case list --queue unit"), ("zh", "处置单位")):
        r = cli("--lang", lang, "dashboard")
        assert r.code == 4 and words in r.err and "division code" not in r.err, r.err
