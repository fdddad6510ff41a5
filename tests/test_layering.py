"""The dependency rules of DESIGN §2, checked on the source and in a fresh interpreter.

The core (`gridctl`) and the contract (`schemas`) must never load a UI or server framework, and
the server must never load the client: an import that sneaks in would tie field laptops to
FastAPI or make the CLI slow to start.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    "schemas": {"typer", "rich", "textual", "httpx", "fastapi", "sqlalchemy", "starlette", "uvicorn",
                "gridctl", "commands", "tui", "server",
                "chinese_calendar"},  # holiday data is loaded by server and gridctl, passed in
    "gridctl": {"typer", "rich", "textual", "fastapi", "sqlalchemy", "starlette", "uvicorn",
                "commands", "tui", "server"},
    "server": {"gridctl", "commands", "tui", "typer", "textual"},
    "tui": {"commands", "server", "fastapi", "sqlalchemy"},
}
# The one sanctioned exception: `python -m gridctl` runs the CLI.
EXEMPT = {ROOT / "gridctl" / "__main__.py"}


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module.split(".")[0]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_import_only_what_they_may(package):
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if path in EXEMPT:
            continue
        for line, name in _imports(path):
            if name in FORBIDDEN[package]:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert bad == []


def test_commands_start_the_tui_lazily():
    bad = []
    for path in sorted((ROOT / "commands").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            bad += [f"{path.relative_to(ROOT)}:{node.lineno}" for n in names if n.split(".")[0] in ("tui", "server")]
    assert bad == []


def _modules_after_import(*modules: str) -> set[str]:
    code = (
        "import json, sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return set(json.loads(out.stdout))


def _core_modules() -> list[str]:
    """Every module of the core as a dotted name, packages (``gridctl.ops``) included."""
    names = []
    for path in (ROOT / "gridctl").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if len(parts) > 1:  # the bare `gridctl` package is imported by every one of them anyway
            names.append(".".join(parts))
    return sorted(names)


def test_the_core_never_loads_a_ui_or_server_framework():
    loaded = _modules_after_import(*_core_modules())
    heavy = {m.split(".")[0] for m in loaded} & {"typer", "click", "rich", "textual", "fastapi", "sqlalchemy", "uvicorn", "starlette"}
    assert heavy == set()


def test_schemas_tables_load_without_pydantic():
    loaded = _modules_after_import("schemas.codes", "schemas.validators", "schemas.workflow", "schemas.messages",
                                  "schemas.workdays")
    assert "pydantic" not in loaded
