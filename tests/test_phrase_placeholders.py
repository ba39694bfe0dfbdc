"""The placeholders the editor lets a bot phrase have (``bot.domain_editing.FILLED``) are exactly
those the runtime fills in for it: every call in bot/ and handoff/ that renders a response is
read here (its response's name and the values it passes), and the two must agree both ways —
a phrase the runtime fills with ``{wait_minutes}`` may always have it back (QA8: once dropped,
it was refused as «new»), and none is allowed that the customer would read as «{сроки}»."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from bot.domain_editing import FILLED
from tests.handoff_kit import ROOT

# the calls that render a response, and which argument names it
SITES = {"render": 0, "utter": 0, "_say": 1, "_ask": 1}
NOT_VALUES = {
    "data",
    "channel",
    "open_response",
    "nobody_response",
    "closed_responses",
    "updates",
    "requeued",
}


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for folder in ("bot", "handoff"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path.stem, ast.parse(path.read_text(encoding="utf-8"))


def _constants(modules: list[tuple[str, ast.Module]]) -> dict[tuple[str, str], list[str]]:
    """Module-level ``NAME = "utter_…"`` (or a tuple of them), by (module, name)."""
    found: dict[tuple[str, str], list[str]] = {}
    for module, tree in modules:
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    value = _literal(node.value, module, found)
                    if value and all(v.startswith("utter_") for v in value):
                        found[(module, target.id)] = value
    return found


def _literal(
    node: ast.expr, module: str, constants: dict[tuple[str, str], list[str]]
) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name):
        return constants.get((module, node.id))
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return constants.get((node.value.id, node.attr))
    if isinstance(node, ast.IfExp):
        a, b = _literal(node.body, module, constants), _literal(node.orelse, module, constants)
        return None if a is None or b is None else a + b
    if isinstance(node, ast.Tuple):
        items: list[str] = []
        for element in node.elts:
            inner = element.value if isinstance(element, ast.Starred) else element
            got = _literal(inner, module, constants)
            if got is None:
                return None
            items += got
        return items
    func = node.func if isinstance(node, ast.Call) else None
    if isinstance(func, ast.Attribute) and func.attr == "format":
        # ORDER_KNOWN_ANSWER.format(entry.id): any entry's id, «*» in FILLED
        template = _literal(func.value, module, constants)
        return None if template is None else [t.replace("{}", "*") for t in template]
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        whole = _literal(node.value, module, constants)
        lower = node.slice.lower
        if whole is not None and isinstance(lower, ast.Constant) and isinstance(lower.value, int):
            return whole[int(lower.value) :]
    return None


class _Reader:
    """The (response, values) pairs of every rendering call, with ``name`` variables followed
    to their assignments in the nearest enclosing block that has one before the call."""

    def __init__(self) -> None:
        self.modules = list(_modules())
        self.constants = _constants(self.modules)
        self.filled: dict[str, set[str]] = {}
        self.unresolved: list[str] = []

    def read(self) -> dict[str, set[str]]:
        for module, tree in self.modules:
            for function in ast.walk(tree):
                if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    for call in ast.walk(function):
                        if isinstance(call, ast.Call):
                            self._call(module, function, call)
        return self.filled

    def _tree(self, module: str) -> ast.Module:
        return next(tree for name, tree in self.modules if name == module)

    def _add(self, names: list[str], values: set[str], order: bool) -> None:
        for name in names:
            got = self.filled.setdefault(name, set())
            got |= values | ({"order_number"} if order and name.endswith("_order_known") else set())

    def _call(self, module: str, function: ast.AST, call: ast.Call) -> None:
        func = call.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        values = {k.arg for k in call.keywords if k.arg and k.arg not in NOT_VALUES}
        spread = [k.value for k in call.keywords if k.arg is None]
        order = any(isinstance(s, ast.Name) and s.id == "order" for s in spread)
        if called == "_renew":
            kw = {k.arg: k.value for k in call.keywords if k.arg}
            opened = _literal(kw["open_response"], module, self.constants)
            nobody = _literal(kw["nobody_response"], module, self.constants)
            closed = _literal(kw["closed_responses"], module, self.constants)
            assert opened and nobody and closed, ast.unparse(call)
            self._add(opened, values | {"wait_minutes", "queue"}, order)
            self._add(nobody, values | {"queue"}, order)
            self._add(closed, values | {"back_at", "hours"}, order)
            # … and whatever else _renew may say, with the caller's values too
            renew = next(f for f in ast.walk(self._tree("waiting")) if _named(f, "_renew"))
            for node in ast.walk(renew):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple):
                    said = _literal(node.value.elts[0], "waiting", self.constants)
                    self._add([n for n in said or [] if n.startswith("utter_")], values, order)
            return
        index = SITES.get(called)
        if index is None or len(call.args) <= index:
            return
        arg = call.args[index]
        assert isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        params = {a.arg for a in function.args.args + function.args.kwonlyargs}
        if function.name == "_renew" or (isinstance(arg, ast.Name) and arg.id in params):
            return  # a wrapper (Turn.utter, _say, _renew): its callers are read instead
        names = self._names(module, function, call, arg)
        if names is None:
            if values or (spread and not order):  # a wrapper passing its **values on
                self.unresolved.append(f"{module}: {ast.unparse(call)}")
            return
        if any(n.startswith("utter_") for n in names):
            self._add(names, values, order)

    def _names(
        self, module: str, function: ast.AST, call: ast.Call, arg: ast.expr
    ) -> list[str] | None:
        got = _literal(arg, module, self.constants)
        if got is not None or not isinstance(arg, ast.Name):
            return got
        for block in _blocks_around(function, call):
            found = [
                names
                for stmt in block
                for node in ast.walk(stmt)
                if isinstance(node, ast.Assign) and node.lineno < call.lineno
                for names in [self._assigned(module, function, call, node, arg.id)]
                if names is not None
            ]
            if found:
                return [n for names in found for n in names]
        return None

    def _assigned(
        self, module: str, function: ast.AST, call: ast.Call, node: ast.Assign, name: str
    ) -> list[str] | None:
        target, value = node.targets[0], node.value
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            for t, v in zip(target.elts, value.elts, strict=False):
                if isinstance(t, ast.Name) and t.id == name:
                    if isinstance(v, ast.Name) and v.id != name:  # another local: follow it
                        return self._names(module, function, call, v)
                    return _literal(v, module, self.constants)
            return None
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Call):
            first = target.elts[0]
            called = getattr(value.func, "id", "")
            if called == "_variant" and isinstance(first, ast.Name) and first.id == name:
                arg = value.args[1]
                base = _literal(arg, module, self.constants)
                if base is None and isinstance(arg, ast.Name):  # a local: follow it
                    base = self._names(module, function, call, arg)
                base = base or []
                # bot/handover.py: with ``described`` passed, its ``_described`` variant too
                told = [f"{b}_described" for b in base] if len(value.args) > 3 else []
                no_order = isinstance(value.args[2], ast.Constant) and value.args[2].value is None
                known = [] if no_order else [f"{b}_order_known" for b in base]
                return [*base, *known, *told]
            return None
        if isinstance(target, ast.Name) and target.id == name:
            return _literal(value, module, self.constants)
        return None


def _named(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name


def _blocks_around(function: ast.AST, call: ast.Call) -> list[list[ast.stmt]]:
    """The statement lists that contain ``call``, innermost first."""
    blocks: list[list[ast.stmt]] = []
    for node in ast.walk(function):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                first, last = block[0].lineno, block[-1].end_lineno or block[-1].lineno
                if first <= call.lineno <= last:
                    blocks.append(block)
    return sorted(blocks, key=lambda b: (b[-1].end_lineno or 0) - b[0].lineno)


def test_the_declared_placeholders_are_what_the_runtime_fills_in() -> None:
    reader = _Reader()
    passed = {name: values for name, values in reader.read().items() if values}
    assert not reader.unresolved, reader.unresolved  # every call's response is known
    assert passed == {name: set(values) for name, values in FILLED.items()}


def test_the_demo_phrases_use_only_what_is_filled_in() -> None:
    from bot.config import load_domain, placeholders
    from bot.domain_editing import filled

    domain = load_domain(Path(ROOT) / "domain.yml")
    for name, variants in domain.responses.items():
        for variant in variants:
            assert set(placeholders(variant.text)) <= filled(name), name
