"""Regenerate the committed completion scripts: ``python -m commands.completions``.

tests/test_completions.py fails when the scripts in completions/ differ from what this writes.
"""

from __future__ import annotations

from pathlib import Path

FILES = {"bash": "gridctl.bash", "zsh": "_gridctl", "fish": "gridctl.fish", "powershell": "gridctl.ps1"}
FOLDER = Path(__file__).resolve().parents[1] / "completions"


def generate() -> dict[str, str]:
    from commands.completion_cmd import script

    return {name: script(shell) for shell, name in FILES.items()}


def main() -> None:
    FOLDER.mkdir(exist_ok=True)
    for name, text in generate().items():
        (FOLDER / name).write_text(text, encoding="utf-8")
        print(FOLDER / name)


if __name__ == "__main__":
    main()
