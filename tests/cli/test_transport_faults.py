"""Transport faults are transport faults (DESIGN §12): through a real proxy on loopback that cuts,
garbles (a 200 whose JSON is cut short) or resets some answers, every command ends 0 or 8 —
never 1 — and after a clean sync everything is on the server exactly once."""

from __future__ import annotations


from tests.core.faulty_proxy import FaultyProxy


def test_cut_and_garbled_answers_are_retried_then_exit_8_never_1(cli, login, server_factory, monkeypatch):
    server = server_factory()
    proxy = FaultyProxy(server.port, fault_rate=0.0, seed=8)
    try:
        login(proxy, "gw-001")
        households = cli("household", "list", "-o", "json").json()
        proxy.fault_rate = 0.45
        codes = []
        made = 0
        for round_ in range(25):
            for i in range(2):
                r = cli("--offline", "incident", "report", "--category", "other", "--title", f"截断测试 {round_:02d}-{i}")
                assert r.code == 0, r.err
                made += 1
            online = cli("incident", "report", "--category", "other", "--title", f"截断测试 {round_:02d}-online")
            assert online.code == 0, online.err  # saved: synced or pending, never an error
            made += 1
            visit = cli("visit", "log", households[round_ % len(households)]["id"], "--purpose", "routine")
            assert visit.code == 0, visit.err
            result = cli("sync")
            assert result.code in (0, 8), (result.code, result.err)
            assert "unexpected" not in result.err
            codes.append(result.code)
            listed = cli("case", "list", "--all", "-o", "json")
            assert listed.code in (0, 8), listed.err
        assert proxy.counts["cut"] and proxy.counts["garble"] and proxy.counts["reset"], proxy.counts
        proxy.fault_rate = 0.0
        final = cli("sync")
        assert final.code == 0, final.err
    finally:
        proxy.close()
    with server.db.connect() as db:
        titles = [r[0] for r in db.execute("SELECT title FROM cases WHERE title LIKE '截断测试 %'")]
        assert len(titles) == made and len(set(titles)) == made
        assert cli("outbox", "list", "-o", "json").json() == []
        visit_ids = [i["entity_id"] for i in cli("outbox", "list", "--all", "-o", "json").json()
                     if i["type"] == "visit.log"]
        assert len(visit_ids) == 25
        found = db.execute(f"SELECT COUNT(*) FROM visits WHERE id IN ({', '.join('?' * 25)})", visit_ids).fetchone()[0]
        assert found == 25
    print("sync exit codes:", codes, "faults:", proxy.counts)
