"""Read a PyBlosxom config.py without running it: only literal assignments to py["..."] count.

config.py is Python (often Python 2) that can do anything, so we parse it with `ast` and evaluate a tiny safe
subset: literals, module-level names bound to literals, earlier py["..."] values, `+` and os.path.join.
"""

from __future__ import annotations

import ast
import posixpath
import re
from pathlib import Path


class _NotLiteral(Exception):
    pass


def read_config_py(path: Path) -> tuple[dict, list[str]]:
    """Return (py settings, notes about lines we could not read)."""
    source = path.read_text(encoding="utf-8", errors="replace")
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
