"""The town and county centre's day from the command line, against the real server: what each
step says, and that nothing a user types is dropped without a word."""

from __future__ import annotations

import httpx

from tests.conftest import token_for


def _server_alert(server, alert_id: str) -> dict:
    token = token_for(server.url, "station-01")
    return httpx.get(f"{server.url}/api/v1/alerts/{alert_id}", headers={"Authorization": f"Bearer {token}"}).json()


def test_acknowledging_twice_says_who_did_first_and_that_the_note_is_not_kept(cli, login, server_factory):
    server = server_factory()
    login(server, "station-01", profile="station")
    login(server, "village-01", profile="village")
    # The village's laptop lists its alerts now and hears nothing more until it acts.
    village = {a["id"]: a for a in cli("--profile", "village", "alert", "list", "--kind", "overdue", "-o", "json").json()}
    target = next(a["id"] for a in cli("--profile", "station", "alert", "list", "--kind", "overdue", "-o", "json").json()
                  if a["id"] in village)
    first = cli("--profile", "station", "alert", "ack", target, "--note", "已电话督办")
    assert first.code == 0 and "acknowledged. Synced" in first.err, first.err

    again = cli("--profile", "station", "alert", "ack", target, "--note", "第二次")
    assert again.code == 0, again.err
    assert "already acknowledged by station-01" in again.err and "'已电话督办'" in again.err
    assert "not recorded" in again.err and "gridctl case comment" in again.err
    # Its cache was stale: the village's acknowledgement reached the server, which kept the first.
    late = cli("--profile", "village", "alert", "ack", target, "--note", "村里已处理")
    assert late.code == 0, late.err
    assert "already acknowledged by station-01" in late.err and "not recorded" in late.err
    on_server = _server_alert(server, target)
    assert (on_server["acked_by"], on_server["ack_note"]) == ("station-01", "已电话督办")
    # Without a note there is nothing lost, and nothing said about a note.
    plain = cli("--profile", "station", "alert", "ack", target)
    assert "already acknowledged" in plain.err and "not recorded" not in plain.err
    zh = cli("--lang", "zh", "--profile", "station", "alert", "ack", target, "--note", "再次")
    assert "已由station-01于" in zh.err and "签收" in zh.err and "未记入" in zh.err


def test_a_division_outside_the_scope_names_the_flag_and_the_codes_that_do(cli, login, live_server, tmp_path):
    login(live_server, "station-01")
    for args in (["index", "--division", "999999"],
                 ["report", "weekly", "--division", "610822200", "--out", str(tmp_path / "w.html")]):
        r = cli(*args)
        assert r.code == 5 and "Traceback" not in r.err, r.err
        assert "--division" in r.err and "610822100" in r.err, r.err
        zh = cli("--lang", "zh", *args)
        assert "--division" in zh.err and "管辖范围" in zh.err and "610822100" in zh.err, zh.err
    assert not (tmp_path / "w.html").exists()


def test_ranking_a_level_above_the_division_names_the_by_flag(cli, login, live_server):
    """A village centre asking to rank towns is told which --by fits, in both languages, before any
    request (was: the server's 'level: ...' after 'the server refused the request')."""
    login(live_server, "village-01")
    r = cli("index", "--by", "town")
    assert r.code == 2 and "Traceback" not in r.err
    assert "610822100200 has no Town/street level" in r.err and "--by one of: grid, village, worker" in r.err, r.err
    zh = cli("--lang", "zh", "index", "--division", "610822100200001", "--by", "village")
    assert zh.code == 2 and "村/社区" in zh.err and "--by 请选：grid, worker" in zh.err, zh.err
    assert cli("index", "--by", "village", "-o", "json").json()["items"][0]["code"] == "610822100200"


def _town_case_in_progress(cli, profile: str) -> str:
    cases = cli("--profile", profile, "case", "list", "--queue", "todo", "-o", "json").json()
    return next(c["serial"] for c in cases if c["level"] == "town" and c["status"] in ("accepted", "in_progress")
                and not c.get("unit"))


def test_one_mediation_agreement_is_recorded_once(cli, login, server_factory):
    """The same agreement number twice on a case is refused, from the command line at once and by the
    server when two laptops recorded it offline (was: two identical mediation records)."""
    server = server_factory()
    login(server, "station-01", profile="desk")
    login(server, "station-01", profile="laptop")
    serial = _town_case_in_progress(cli, "desk")
    assert cli("--profile", "laptop", "case", "show", serial).code == 0  # the laptop holds it, then goes offline
    args = ("case", "mediate", serial, "--result", "agreed", "--agreement-no", "CG-2026-017", "--participant", "张三")
    first = cli("--profile", "desk", *args)
    assert first.code == 0, first.err
    again = cli("--profile", "desk", *args)
    assert again.code == 2 and "CG-2026-017 is already recorded on this case" in again.err and "--agreement-no" in again.err
    zh = cli("--lang", "zh", "--profile", "desk", "case", "mediate", serial, "--result", "agreed",
             "--agreement-no", " CG-2026-017 ")
    assert zh.code == 2 and "调解协议书CG-2026-017已记录" in zh.err
    # Offline, the laptop did not know: the server refuses the copy when it arrives.
    queued = cli("--profile", "laptop", "--offline", *args)
    assert queued.code == 0, queued.err
    sent = cli("--profile", "laptop", "sync")
    assert sent.code != 0 and "CG-2026-017" in (sent.out + sent.err)
    token = token_for(server.url, "station-01")
    case = httpx.get(f"{server.url}/api/v1/cases", params={"q": serial}, headers={"Authorization": f"Bearer {token}"}).json()["items"][0]
    assert [m["agreement_no"] for m in case["mediations"]] == ["CG-2026-017"]
    # Another agreement on the same case is recorded.
    assert cli("--profile", "desk", "case", "mediate", serial, "--result", "agreed", "--agreement-no", "CG-2026-018").code == 0


def test_an_empty_participant_is_named_as_text_not_as_a_list(cli, login, live_server):
    login(live_server, "station-01")
    cases = cli("case", "list", "--queue", "todo", "-o", "json").json()
    serial = next(c["serial"] for c in cases if c["level"] == "town" and c["status"] in ("accepted", "in_progress"))
    r = cli("case", "mediate", serial, "--result", "failed", "--participant", "张三", "--participant", "")
    assert r.code == 2 and "item 2: needs at least 1 character" in r.err and "--participant" in r.err, r.err
    assert "items" not in r.err


def test_a_spike_reads_well_in_chinese_and_reaches_station_and_county(cli, login, server_factory):
    """Six emergencies in a grid this week raise a spike for the station and the county, not the
    village; its Chinese text names the category once (was: “突发事件事件6起”)."""
    server = server_factory()
    login(server, "gw-001", profile="gw")
    for i in range(6):
        r = cli("--profile", "gw", "incident", "report", "--category", "emergency", "--title", f"燃气泄漏{i}",
                "--grid", "610822100200001")
        assert r.code == 0, r.err
    for who, sees in (("station-01", True), ("county-admin", True), ("village-01", False)):
        login(server, who, profile=who)
        spikes = cli("--profile", who, "--lang", "zh", "alert", "list", "--kind", "spike", "-o", "json").json()
        assert bool(spikes) is sees, who
        if sees:
            text = spikes[0]["message"]
            assert "本周“突发事件”类事件6起" in text and "事件事件" not in text, text


def test_listing_users_or_units_of_a_division_outside_the_scope_says_so(cli, login, live_server):
    """A station asking for another town's users was shown the county's (they serve every town)
    as if they were that town's; now the flag is named with the codes that would do."""
    login(live_server, "station-01")
    for noun in ("user", "unit"):
        r = cli(noun, "list", "--division", "610822200")
        assert r.code == 5 and "Traceback" not in r.err, (noun, r.err)
        assert "--division" in r.err and "610822100" in r.err, r.err
        zh = cli("--lang", "zh", noun, "list", "--division", "610822200")
        assert zh.code == 5 and "管辖范围" in zh.err, zh.err
    # Its own town and the county above it are fine.
    assert cli("user", "list", "--division", "610822100", "-o", "json").code == 0
    county = cli("user", "list", "--division", "610822", "-o", "json")
    assert county.code == 0 and "station-01" in {u["username"] for u in county.json()}
