"""Start-up discipline: --version, --help and a completion request load no heavy module.

Checked in a fresh interpreter each time (DESIGN §2): importing httpx, pydantic, textual,
fastapi or sqlalchemy on these paths would make every keystroke of completion slow.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("httpx", "pydantic", "textual", "fastapi", "sqlalchemy", "starlette", "uvicorn", "chinese_calendar")
PROBE = """
import json, sys, io, contextlib
sys.argv = ["gridctl"] + json.loads(sys.argv[1])
out = io.StringIO()
try:
    with contextlib.redirect_stdout(out):
        from commands.main import run
        run()
except SystemExit:
    pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def _loaded(args, **env):
    result = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True,
                            cwd=ROOT, env={**os.environ, **env})
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["case", "--help"], ["incident", "report", "--help"],
                                  ["calendar", "--help"], ["calendar", "add", "--help"]])
def test_no_heavy_imports(args):
    assert _loaded(args) & set(HEAVY) == set()


def test_version_does_not_even_load_typer():
    assert "typer" not in _loaded(["--version"])


def test_completion_request_is_light():
    loaded = _loaded([], _GRIDCTL_COMPLETE="complete_bash", COMP_WORDS="gridctl case ", COMP_CWORD="2")
    assert loaded & set(HEAVY) == set()
