"""Chinese output of real commands against the real server (issue 8, item 12): allowed actions
by their labels, the sync state as a word, a refused field by its label and reason."""

from __future__ import annotations

from tests.cli.test_zh_parser_texts import english_sentences


def test_case_show_and_a_refused_write_in_chinese(cli, login, server_factory):
    server = server_factory()
    login(server, "gw-001")
    r = cli("incident", "report", "--category", "environment", "--title", "河道漂浮垃圾", "-o", "json")
    assert r.code == 0, r.err
    serial = r.json()["serial"]

    shown = cli("--lang", "zh", "case", "show", serial)
    assert shown.code == 0, shown.err
    assert "可执行的操作：受理" in shown.err  # labels, not "accept, escalate"
    assert "accept" not in shown.err and "escalate" not in shown.err
    assert "已同步" in shown.out and "synced" not in shown.out

    # Refused before it is queued: the field by its label, pydantic's reason in Chinese.
    refused = cli("--lang", "zh", "incident", "report", "--category", "environment", "--title", "")
    assert refused.code == 2
    assert "标题" in refused.err and not english_sentences(refused.err), refused.err


def test_a_rejected_write_says_rejected_by_the_server(capsys):
    from types import SimpleNamespace

    from commands.output import Output, write_result
    from gridctl.i18n import set_lang

    result = SimpleNamespace(record={"serial": "610822-20261122-0007"}, sync_state="rejected", mutation_id="m-1",
                             problem={"detail": "该身份证号已登记在另一人名下"})
    set_lang("zh")
    try:
        assert write_result(result, Output.table, "cli.case.reported") == 3
    finally:
        set_lang(None)
    err = capsys.readouterr().err
    assert "被服务器拒绝" in err and "服务器被拒绝" not in err


def test_case_list_help_explains_the_flags_in_both_languages(cli):
    zh = cli("--lang", "zh", "case", "list", "--help").out
    assert "! 超期" in zh and "U 紧急" in zh and "S/Y/R 督办" in zh
    en = cli("--lang", "en", "case", "list", "--help").out
    assert "! overdue" in en and "U urgent" in en and "S/Y/R supervised" in en
