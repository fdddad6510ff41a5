"""No English sentence in ``--lang zh`` help and usage errors (issue 8, item 12).

Walks the real command tree, runs every command's ``--help`` and a sample of usage errors in
Chinese, and fails on any run of three or more ASCII words that is not a flag, metavar, code,
URL or command path — click's own texts ("Show this message and exit", "No such option")
included.
"""

from __future__ import annotations

import re

import pytest

# What may stay ASCII in Chinese output: command paths, flags, metavars, placeholders, URLs.
_ALLOWED = [re.compile(p) for p in (
    r"gridctl(?: [a-z][a-z-]*)*",  # command paths in usage lines and hints
    r"https?://\S+",
    r"\[OPTIONS\]|COMMAND \[ARGS\]\.\.\.|\[ARGS\]\.\.\.",
    r"<[^>]*>", r"\{[^}]*\}", r"\[[^\]\u4e00-\u9fff]*\]",  # metavars, choices, [x>=1], [default]
    r"--?[A-Za-z][\w-]*(?:[ =][A-Z_|]+\b)?",  # flags, with their own metavar
)]
_SENTENCE = re.compile(r"[A-Za-z][A-Za-z']*(?: +[A-Za-z][A-Za-z']*){2,}")


def english_sentences(text: str) -> list[str]:
    for pattern in _ALLOWED:
        text = pattern.sub(" ", text)
    return _SENTENCE.findall(text)


def test_detector_catches_click_english_and_spares_flags():
    assert english_sentences("Error: No such option: --note")
    assert english_sentences("  -h, --help  Show this message and exit.")
    assert english_sentences("String should have at least 1 character")
    assert not english_sentences("用法：gridctl case list [OPTIONS]\n  --status <list[reported|accepted]>  按状态筛选")
    assert not english_sentences("运行 'gridctl case comment -h' 查看帮助。  --lang zh|en  界面语言")


# Every command's --help in one fresh interpreter started in Chinese, as a user's process is:
# some modules word their option help once, when imported.
WALK = """
import contextlib, io, json, sys
from commands.main import build_app, run
from gridctl.i18n import set_lang
import typer

set_lang("zh")
paths = []
def walk(command, path):
    paths.append(path)
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        walk(sub, path + [name])
walk(typer.main.get_command(build_app()), [])
found = []
for path in paths:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            run(["--lang", "zh", *path, "--help"])
        except SystemExit as exc:
            code = exc.code or 0
    found.append([path, code, out.getvalue(), err.getvalue()])
print(json.dumps(found))
"""


def test_every_help_in_zh_has_no_english_sentence(tmp_path):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "GRIDCTL_CONFIG_DIR": str(tmp_path / "c"), "GRIDCTL_DATA_DIR": str(tmp_path / "d"),
           "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", WALK], capture_output=True, text=True, cwd=root, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(results) > 30  # the walk really found the tree
    leaks = {}
    for path, code, out, err in results:
        assert code == 0, (path, err)
        assert "用法：" in out and "显示本帮助并退出" in out, path
        found = english_sentences(out + err)
        if found:
            leaks[" ".join(path) or "gridctl"] = found
    assert not leaks


USAGE_ERRORS = [
    (["case", "comment", "x", "y", "--reason"], "没有选项 --reason"),  # unknown option
    (["case", "show"], "缺少参数 ID"),  # missing argument
    (["case", "list", "--status", "bogus"], "不在可选值中"),  # bad choice
    (["case", "list", "--limit", "abc"], "不是有效的整数"),  # bad int
    (["case", "list", "--limit", "0"], "超出范围"),  # out of range
    (["case", "list", "--limit"], "需要一个值"),  # option without its value
    (["case", "show", "a", "b"], "多余的参数"),  # extra argument
    (["case", "lst"], "没有命令 'lst'"),  # unknown command, with a suggestion
    (["visit"], "命令："),  # a group without a command shows its help
]


@pytest.mark.parametrize(("args", "expected"), USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_usage_errors_in_zh(cli, args, expected):
    result = cli("--lang", "zh", *args)
    assert result.code == 2
    assert expected in result.err
    assert "Traceback" not in result.err
    assert not english_sentences(result.out + result.err), result.err


def test_usage_errors_stay_english_in_en(cli):
    result = cli("--lang", "en", "case", "comment", "x", "y", "--reason")
    assert result.code == 2
    assert "No such option: --reason" in result.err and "Try 'gridctl case comment -h' for help." in result.err
    result = cli("--lang", "en", "case", "show")
    assert "Missing argument 'ID'." in result.err
