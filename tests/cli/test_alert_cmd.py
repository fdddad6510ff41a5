"""gridctl alert list | ack against the real server: the station sees its overdue cases critical
first, acknowledges one offline (outbox), and the acknowledgement reaches the server on sync."""

from __future__ import annotations

import httpx

from tests.conftest import token_for


def test_alert_list_and_ack_offline_then_synced(cli, login, server_factory):
    server = server_factory()
    login(server, "station-01")
    r = cli("alert", "list", "-o", "json")
    assert r.code == 0, r.err
    alerts = r.json()
    assert alerts and all(a["state"] != "cleared" for a in alerts)
    ranks = [{"critical": 0, "warning": 1, "info": 2}[a["severity"]] for a in alerts]
    assert ranks == sorted(ranks)  # critical first
    overdue = [a for a in alerts if a["kind"] == "overdue"]
    assert overdue and overdue[0]["message"].startswith("case ")
    table = cli("alert", "list", "--kind", "overdue")
    assert table.code == 0 and "Overdue" in table.out and "Critical" in table.out

    target = overdue[0]["id"]
    queued = cli("--offline", "alert", "ack", target[:18], "--note", "已电话督办", "-o", "json")
    assert queued.code == 0, queued.err
    assert queued.json()["state"] == "acknowledged" and queued.json()["sync"] == "pending"
    # Offline, the list shows the local acknowledgement at once.
    mine = {a["id"]: a for a in cli("--offline", "alert", "list", "-o", "json").json()}
    assert mine[target]["state"] == "acknowledged"
    token = token_for(server.url, "station-01")
    on_server = httpx.get(f"{server.url}/api/v1/alerts/{target}", headers={"Authorization": f"Bearer {token}"}).json()
    assert on_server["state"] == "open"
    assert cli("sync").code == 0
    on_server = httpx.get(f"{server.url}/api/v1/alerts/{target}", headers={"Authorization": f"Bearer {token}"}).json()
    assert (on_server["state"], on_server["acked_by"], on_server["ack_note"]) == ("acknowledged", "station-01", "已电话督办")
    assert cli("alert", "list", "--state", "acknowledged", "-o", "json").json()[0]["id"] == target


def test_bad_flags_name_the_flag(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")
    r = cli("alert", "list", "--kind", "late")
    assert r.code == 2 and "--kind" in r.err and "overdue" in r.err
    r = cli("alert", "list", "--state", "done")
    assert r.code == 2 and "--state" in r.err
    r = cli("alert", "ack", "ffffffff-0000")
    assert r.code != 0 and "Traceback" not in r.err


def test_an_alert_not_cached_yet_is_fetched_and_an_unknown_one_is_not_found(cli, login, server_factory):
    """Online, ``alert ack`` takes an alert the laptop has not pulled yet (fetched by its id, as a
    case or a person is) and says an unknown id is not found, exit 5, instead of failing inside."""
    server = server_factory()
    token = token_for(server.url, "station-01")
    target = httpx.get(f"{server.url}/api/v1/alerts", params={"state": "open"},
                       headers={"Authorization": f"Bearer {token}"}).json()["items"][0]["id"]
    login(server, "station-01")
    gone = cli("alert", "ack", "0f0f0f0f-0f0f-7f0f-8f0f-0f0f0f0f0f0f")
    assert gone.code == 5 and "not found" in gone.err and "Traceback" not in gone.err, gone.err
    r = cli("alert", "ack", target, "--note", "已知悉", "-o", "json")
    assert r.code == 0, r.err
    assert r.json()["state"] == "acknowledged"
    on_server = httpx.get(f"{server.url}/api/v1/alerts/{target}", headers={"Authorization": f"Bearer {token}"}).json()
    assert (on_server["state"], on_server["acked_by"]) == ("acknowledged", "station-01")
