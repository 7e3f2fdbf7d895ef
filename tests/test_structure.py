"""The shape of the code, kept: no import circle, a small top level, no giant module, services
free of Flask, and each concept's list of codes written once (in its registry)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"


def modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in APP.rglob("*.py"):
        parts = list(path.relative_to(APP.parent).with_suffix("").parts)
        package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if package else parts)] = (path, package)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module-level imports between app modules (a submodule's import of its own package excepted)."""
    mods = modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, (path, package) in mods.items():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if package else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    dep = f"{target}.{alias.name}" if f"{target}.{alias.name}" in mods else target
                    if dep in mods and dep != name and not name.startswith(dep + "."):
                        graph[name].add(dep)
            elif isinstance(node, ast.Import):
                graph[name].update(a.name for a in node.names if a.name in mods and a.name != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circle():
    assert cycles(import_graph()) == []


def test_the_circle_finder_finds_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]


def test_a_small_top_level_and_no_giant_module():
    assert sorted(p.name for p in APP.glob("*.py")) == ["__init__.py", "extensions.py"]
    assert (APP / "models" / "__init__.py").exists()  # the data model, its money models in models/money.py
    too_long = {str(p.relative_to(APP)): n for p in APP.rglob("*.py")
                if (n := len(p.read_text().splitlines())) > 600}
    assert too_long == {}


def test_services_come_in_domain_packages_and_never_import_flask():
    packages = [p.name for p in (APP / "services").iterdir() if (p / "__init__.py").exists()]
    assert len(packages) >= 5
    for path in (APP / "services").rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [m for m in names if m.split(".")[0] in ("flask", "flask_babel", "flask_login", "flask_wtf")], path


def test_language_and_scenario_codes_are_listed_in_their_registry_only():
    """A tuple, list or set literal that holds two codes of a concept is a copy of its registry."""
    homes = {"fil": APP / "services" / "languages.py", "supermarket": APP / "services" / "scenarios.py"}
    other = {"fil": "zh", "supermarket": "hotel"}
    for code, home in homes.items():
        a, b = f"['\"]{code}['\"]", f"['\"]{other[code]}['\"]"
        pattern = re.compile(f"{a}[^\n]{{0,80}}{b}|{b}[^\n]{{0,80}}{a}")
        listed = [str(p.relative_to(APP)) for p in APP.rglob("*.py") if p != home and pattern.search(p.read_text())]
        assert listed == [], code
