"""The package's shape: the library never imports Dagster or pipelines/, and no import cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "ictstats"

# Import every ictstats module with `dagster` and `pipelines` made unimportable.
_BLOCKED_IMPORT = """
import importlib, pkgutil, sys

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("dagster", "pipelines"):
            raise ImportError(f"the library imported {name}")
        return None

sys.meta_path.insert(0, Blocker())
import ictstats
for module in pkgutil.walk_packages(ictstats.__path__, "ictstats."):
    importlib.import_module(module.name)
print("imported", len(list(pkgutil.walk_packages(ictstats.__path__, "ictstats."))))
"""


def test_every_library_module_imports_without_dagster_or_pipelines():
    done = subprocess.run(
        [sys.executable, "-c", _BLOCKED_IMPORT], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) > 40  # every module of every stage folder


def _module_name(path: Path, root: Path, top: str) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    parts = parts[:-1] if parts[-1] == "__init__" else parts
    return ".".join((top, *parts))


def _import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports (any import, at any depth of the file)."""
    roots = {"ictstats": PACKAGE, "pipelines": ROOT / "pipelines"}
    modules = {
        _module_name(p, root, top): p for top, root in roots.items() for p in root.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                base = node.module
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.add(full if full in modules else base)
            elif isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def test_no_import_cycle_between_modules():
    graph = _import_graph()
    # a package's __init__ importing its own submodules is not a cycle of the flow
    edges = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in graph.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt] if nxt in stack else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_no_library_module_imports_pipelines():
    graph = _import_graph()
    offenders = {
        m: ts
        for m, ts in graph.items()
        if m.startswith("ictstats") and any(t.startswith("pipelines") for t in ts)
    }
    assert offenders == {}


def test_every_package_folder_is_installed():
    """pyproject.toml lists the packages by name: a folder left out would install without its
    modules (an editable install hides this)."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        _module_name(p.parent / "__init__.py", root, top)
        for top, root in {"ictstats": PACKAGE, "pipelines": ROOT / "pipelines"}.items()
        for p in root.rglob("__init__.py")
    }
    assert found == listed
