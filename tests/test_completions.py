"""The committed completion scripts are current, and a completion request answers."""

import os
import subprocess
import sys
from pathlib import Path

from commands.completions import FILES, FOLDER, generate

ROOT = Path(__file__).resolve().parents[1]


def test_committed_scripts_are_current():
    stale = [name for name, text in generate().items() if (FOLDER / name).read_text(encoding="utf-8") != text]
    assert stale == [], "run `python -m commands.completions` and commit completions/"
    assert sorted(p.name for p in FOLDER.iterdir()) == sorted(FILES.values())


def test_bash_completion_request_lists_nouns_and_verbs():
    env = {**os.environ, "_GRIDCTL_COMPLETE": "complete_bash", "COMP_WORDS": "gridctl ca", "COMP_CWORD": "1"}
    out = subprocess.run([sys.executable, "-m", "gridctl"], env=env, capture_output=True, text=True, cwd=ROOT)
    assert "case" in out.stdout.split()
    env.update(COMP_WORDS="gridctl case es", COMP_CWORD="2")
    out = subprocess.run([sys.executable, "-m", "gridctl"], env=env, capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.split() == ["escalate"]
