"""Structure figures read from the syntax tree (issue 10's "done when").

    .venv/bin/python bench/structure.py [ROOT]

Prints: imports of one route module by another, imports of another module's
private (`_name`) names, route handlers over 25 lines (and the longest), CLI
functions over 60 lines (and the longest), certificates.py's length, whether
CI runs the linter. ROOT defaults to this checkout.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROUTE_DECORATORS = {"get", "post", "route", "put", "delete", "patch"}


def modules(root: Path):
    for path in sorted((root / "app").rglob("*.py")):
        yield path, ast.parse(path.read_text(), filename=str(path))


def package_of(root: Path, path: Path) -> list[str]:
    return list(path.relative_to(root).with_suffix("").parts)


def resolve(root: Path, path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    parts = package_of(root, path)[: -node.level]
    return ".".join(parts + ([node.module] if node.module else []))


def route_imports(root: Path) -> list[str]:
    found = []
    for path, tree in modules(root):
        if path.parent.name != "routes":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = resolve(root, path, node)
                names = [a.name for a in node.names]
                if target == "app.routes":
                    targets = [f"app.routes.{n}" for n in names]
                else:
                    targets = [target] if target.startswith("app.routes.") else []
                found += [f"{path.name}:{node.lineno} -> {t}" for t in targets]
            elif isinstance(node, ast.Import):
                found += [f"{path.name}:{node.lineno} -> {a.name}" for a in node.names
                          if a.name.startswith("app.routes.")]
    return found


def private_imports(root: Path) -> list[str]:
    found = []
    for path, tree in modules(root):
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = resolve(root, path, node)
                found += [f"{path.relative_to(root)}:{node.lineno} {target}.{a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__") and target.startswith("app")]
    return found


def is_route(fn: ast.FunctionDef) -> bool:
    for dec in fn.decorator_list:
        call = dec.func if isinstance(dec, ast.Call) else dec
        if isinstance(call, ast.Attribute) and call.attr in ROUTE_DECORATORS:
            return True
    return False


def length(fn: ast.FunctionDef) -> int:
    return fn.end_lineno - fn.lineno + 1


def handlers(root: Path) -> list[tuple[int, str]]:
    out = []
    for path, tree in modules(root):
        if path.parent.name != "routes":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and is_route(node):
                out.append((length(node), f"{path.stem}.{node.name}"))
    return sorted(out, reverse=True)


def cli_functions(root: Path) -> list[tuple[int, str]]:
    paths = [root / "app" / "commands/demo.py"] + sorted((root / "app" / "commands").glob("*.py"))
    out = []
    for path in paths:
        if path.exists():
            tree = ast.parse(path.read_text())
            out += [(length(n), f"{path.stem}.{n.name}") for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    return sorted(out, reverse=True)


def main(root: Path) -> None:
    routes = route_imports(root)
    private = private_imports(root)
    hs = handlers(root)
    cli = cli_functions(root)
    certs = len((root / "app/services/certificates/artwork.py").read_text().splitlines())
    ci = (root / ".ci/run").read_text()
    print(f"root: {root}")
    print(f"route-to-route imports: {len(routes)}")
    for line in routes:
        print(f"  {line}")
    print(f"imports of another module's private names: {len(private)}")
    for line in private:
        print(f"  {line}")
    print(f"route handlers: {len(hs)}; over 25 lines: {sum(n > 25 for n, _ in hs)}; longest: {hs[0][1]} {hs[0][0]}")
    for n, name in hs:
        if n > 25:
            print(f"  {name} {n}")
    print(f"CLI functions over 60 lines: {sum(n > 60 for n, _ in cli)}; longest: {cli[0][1]} {cli[0][0]}")
    print(f"app/services/certificates/artwork.py lines: {certs}")
    print(f"lint in CI: {'make lint' in ci or 'ruff' in ci}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent).resolve())
