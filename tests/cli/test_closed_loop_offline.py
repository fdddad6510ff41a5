"""The closed loop offline (DESIGN §6, §15): a dispatch, a sign and a follow-up made without a
network are saved in the outbox, shown as pending, and applied once by the next sync."""

from __future__ import annotations

from tests.cli.test_closed_loop import _report_to_town, server_case


def test_dispatch_sign_and_follow_up_made_offline_sync_later(cli, login, server_factory):
    server = server_factory()
    made = _report_to_town(cli, login, server, "夜间施工噪声")
    st = ("--profile", "station")
    cli(*st, "unit", "list")  # the units are cached: an offline dispatch is checked against them
    assert cli(*st, "sync").code == 0  # and the case
    r = cli(*st, "--offline", "case", "dispatch", made["serial"], "--to", "610822100-XX")
    assert r.code == 2 and "unit list" in r.err  # refused at once, from the cache
    r = cli(*st, "--offline", "case", "dispatch", made["serial"], "--to", "610822100-ZF", "-o", "json")
    assert r.code == 0 and r.json()["sync"] == "pending" and r.json()["status"] == "dispatched", r.err
    assert server_case(server, made["id"]).json()["status"] == "reported"  # nothing sent yet
    assert cli(*st, "sync").code == 0
    assert server_case(server, made["id"]).json()["unit"] == "610822100-ZF"
    again = cli(*st, "sync")
    assert again.code == 0
    assert [s["action"] for s in server_case(server, made["id"]).json()["steps"]].count("dispatch") == 1

    login(server, "unit-zf", profile="zf")
    zf = ("--profile", "zf")
    assert cli(*zf, "sync").code == 0
    r = cli(*zf, "--offline", "case", "sign", made["serial"], "-o", "json")
    assert r.code == 0 and r.json()["sync"] == "pending" and r.json()["status"] == "in_progress"
    r = cli(*zf, "--offline", "case", "resolve", made["serial"], "--note", "已责令停工", "-o", "json")
    assert r.code == 0 and r.json()["status"] == "resolved"
    assert cli(*zf, "sync").code == 0
    assert server_case(server, made["id"]).json()["status"] == "resolved"
    assert cli(*st, "case", "close", made["serial"]).code == 0
    r = cli(*st, "--offline", "case", "follow-up", made["serial"], "--satisfaction", "satisfied", "-o", "json")
    assert r.code == 0 and r.json()["satisfaction"] == "satisfied" and r.json()["sync"] == "pending", r.err
    assert cli(*st, "sync").code == 0
    final = server_case(server, made["id"]).json()
    assert final["satisfaction"] == "satisfied" and final["followed_up_at"]
