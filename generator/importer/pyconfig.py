"""Read a PyBlosxom config.py without running it: only literal assignments to py["..."] count.

config.py is Python (often Python 2) that can do anything, so we parse it with `ast` and evaluate a tiny safe
subset: literals, module-level names bound to literals, earlier py["..."] values, `+` and os.path.join.
"""

from __future__ import annotations

import ast
import posixpath
import re
from pathlib import Path

from ..errors import BlogError


class _NotLiteral(Exception):
    pass


def read_config_py(path: Path) -> tuple[dict, list[str]]:
    """Return (py settings, notes about lines we could not read). A file that cannot be read at all (not a
    file, nesting deep enough to exhaust the parser, a number too long to convert) is one BlogError."""
    try:
        return _read(path)
    except BlogError:
        raise
    except (OSError, RecursionError, MemoryError, ValueError, TypeError, OverflowError) as e:
        raise BlogError(f"cannot read this config.py ({e.__class__.__name__}: {str(e)[:80]}); fix it, or "
                        f"import without it (--config pointing at a config.py holding only plain py[...] lines)",
                        path) from None


def _read(path: Path) -> tuple[dict, list[str]]:
    source = path.read_text(encoding="utf-8", errors="replace").replace("\0", "")
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as e:
        # Python 2 syntax (print statements, 0755) elsewhere in the file: fall back to single lines.
        py, notes = _read_lines(source)
        return py, [f"not Python 3 (line {e.lineno}); read only one-line py[...] = literal assignments"] + notes
    names: dict = {}
    py: dict = {}
    notes: list[str] = []
    for node in tree.body:
        if not isinstance(node, (ast.Assign, ast.AugAssign, ast.Expr)):
            for inner in ast.walk(node):      # py[...] set inside an if, a loop, a try: depends on running it
                key = _py_key(inner.targets[0]) if isinstance(inner, ast.Assign) and inner.targets else None
                if key is not None:
                    notes.append(f"line {inner.lineno}: py[{key!r}] is set inside "
                                 f"'{type(node).__name__.lower()}'; not read (it depends on running config.py)")
            continue
        if isinstance(node, ast.AugAssign):
            _augment(node, names, py, notes)
            continue
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0]
        key = _py_key(target)
        try:
            value = _eval(node.value, names, py)
        except _NotLiteral:
            if key is not None:
                notes.append(f"line {node.lineno}: py[{key!r}] is not a plain value; ignored")
            continue
        if key is not None:
            py[key] = value
        elif isinstance(target, ast.Name):
            names[target.id] = value
    return py, notes


def _augment(node, names: dict, py: dict, notes: list[str]) -> None:
    """py['load_plugins'] += [...]: real configs add plugins this way."""
    key = _py_key(node.target)
    if key is None or not isinstance(node.op, ast.Add):
        return
    try:
        value = _eval(node.value, names, py)
        if key in py and type(py[key]) is type(value) and isinstance(value, (str, list, tuple)):
            py[key] = py[key] + value
            return
    except _NotLiteral:
        pass
    notes.append(f"line {node.lineno}: py[{key!r}] += is not a plain value; ignored")


def _py_key(target) -> str | None:
    if (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and target.value.id == "py"
            and isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str)):
        return target.slice.value
    return None


def _eval(node, names: dict, py: dict):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_eval(n, names, py) for n in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {_eval(k, names, py): _eval(v, names, py) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    key = _py_key(node)
    if key is not None and key in py:
        return py[key]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _eval(node.left, names, py), _eval(node.right, names, py)
        if type(left) is type(right) and isinstance(left, (str, list, tuple)):
            return left + right
    if isinstance(node, ast.Call) and ast.unparse(node.func) == "os.path.join" and not node.keywords:
        parts = [_eval(n, names, py) for n in node.args]
        if parts and all(isinstance(p, str) for p in parts):
            return posixpath.join(*parts)
    raise _NotLiteral


_LINE = re.compile(r"""^py\[\s*(['"])(\w+)\1\s*\]\s*=\s*(.+?)\s*$""")


def _read_lines(source: str) -> tuple[dict, list[str]]:
    py, notes = {}, []
    for number, line in enumerate(source.splitlines(), 1):
        match = _LINE.match(line)
        if not match:
            continue
        try:
            py[match.group(2)] = ast.literal_eval(match.group(3))
        except (ValueError, SyntaxError):
            notes.append(f"line {number}: py[{match.group(2)!r}] is not a plain value; ignored")
    return py, notes
