"""Reading the code for the kinds of event a kiosk sends (tests/hub/test_route_matrix.py): the
kinds the hub tests an event for, the kinds the kiosk puts in its outbox, and the kinds a test
sends."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def tree(path: str) -> ast.Module:
    return ast.parse((ROOT / path).read_text(encoding="utf-8"))


def kinds_compared(path: str) -> set[str]:
    """The kinds a module tests an event for (``e.kind == "..."``, ``e.kind in (...)``)."""
    found = set()
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) \
                and node.left.attr == "kind":
            for value in (v for c in node.comparators for v in ast.walk(c)):
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found.add(value.value)
    return found


def kinds_written() -> set[str]:
    """The kinds the kiosk puts in its outbox (``add_event(session, "...", ...)``)."""
    found = set()
    for path in [*ROOT.glob("kiosk/**/*.py"), *ROOT.glob("sync/*.py")]:
        for node in ast.walk(tree(str(path.relative_to(ROOT)))):
            if isinstance(node, ast.Call) and len(node.args) > 1 \
                    and ast.unparse(node.func).endswith("add_event") \
                    and isinstance(node.args[1], ast.Constant):
                found.add(str(node.args[1].value))
    return found


def sim_helpers() -> dict[str, str]:
    """SimKiosk's helpers (tests/hub/conftest.py) and the kind each one makes."""
    [sim] = [n for n in ast.walk(tree("tests/hub/conftest.py"))
             if isinstance(n, ast.ClassDef) and n.name == "SimKiosk"]
    return {method.name: str(call.args[0].value) for method in sim.body
            if isinstance(method, ast.FunctionDef) for call in ast.walk(method)
            if isinstance(call, ast.Call) and ast.unparse(call.func) == "self.event"
            and isinstance(call.args[0], ast.Constant)}


def kinds_sent(test: str) -> set[str]:
    """The kinds a test function names: itself, through a function of its module, or through
    a SimKiosk helper."""
    path, name = test.split("::")
    functions = {n.name: n for n in tree(path).body if isinstance(n, ast.FunctionDef)}
    assert name in functions, f"{test} is gone: name the test that covers it now"
    called = [functions[name]] + [functions[n.func.id] for n in ast.walk(functions[name])
                                  if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                                  and n.func.id in functions]
    helpers = sim_helpers()
    kinds = set()
    for node in (n for function in called for n in ast.walk(function)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            kinds.add(node.value)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in helpers:
            kinds.add(helpers[node.func.attr])
    return kinds
