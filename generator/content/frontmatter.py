"""Split a content file into YAML front matter and body; YAML errors keep their line number."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..errors import BlogError

# C0 controls but tab, newline and return, and U+FFFE/U+FFFF: XML (the feeds) cannot hold them at all. Dropped
# from every file's text, and from the front matter values shown, where YAML escapes ("\x1f", "\0") make them.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# The C loader is several times faster on 10,000 files; fall back where libyaml is missing.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def split(text: str, path: Path | str) -> tuple[dict, str, list[str]]:
    """Return (metadata, body, front matter lines). The file must start with a '---' line."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.startswith("---"):
        raise BlogError("a post must start with a '---' line, then YAML front matter "
                        "(title, date, tags), then another '---' line", path, 1)
    first_nl = text.find("\n")
    if first_nl == -1 or text[:first_nl].strip() != "---":
        raise BlogError("the first line must be '---' alone", path, 1)
    lines = text[first_nl + 1:].split("\n")
    for i, line in enumerate(lines):
        if line.rstrip() == "---" or line.rstrip() == "...":
            fm_lines = lines[:i]
            body = "\n".join(lines[i + 1:])
            break
    else:
        raise BlogError("the front matter never ends: add a '---' line after it", path, 1)
    source = "\n".join(fm_lines)
    try:
        meta = yaml.load(source, Loader=_Loader)
    except (ValueError, OverflowError, RecursionError) as e:
        # A date that does not exist (2014-02-30, 0000-00-00), or nesting deeper than Python goes.
        what = "nested too deeply" if isinstance(e, RecursionError) else f"a value YAML cannot read: {e}"
        raise BlogError(f"the front matter has {what}; fix it (quote a date to keep it as text)", path,
                        _failing_line(fm_lines, type(e))) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        # At the end of the front matter the problem was only noticed there (an unclosed '['): point at the
        # line where the unfinished thing began.
        if e.context_mark and (mark is None or mark.line >= len(fm_lines) - 1):
            mark = e.context_mark
        line = mark.line + 2 if mark else 1
        raise BlogError(f"the front matter is not valid YAML ({e.problem}); fix the syntax",
                        path, line) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise BlogError("the front matter must be 'key: value' lines", path, 2)
    if "*" in source and _expanded_size(meta) > MAX_EXPANDED:
        # YAML aliases repeat a value without writing it again: ten lines can stand for gigabytes of text.
        raise BlogError(f"the front matter expands (through YAML aliases) to more than {MAX_EXPANDED:,} items "
                        "or characters; write the values out", path, 1)
    return meta, body, fm_lines


MAX_EXPANDED = 1_000_000


def without_controls(value, depth: int = 0):
    """`value` with CONTROL characters dropped from every string in it (YAML escapes like \"\\x1f\" make them)."""
    if isinstance(value, str):
        return CONTROL.sub("", value)
    if depth > 50:   # aliases can nest deep; values that deep are refused by the size check or never shown
        return value
    if isinstance(value, dict):
        return {without_controls(k, depth + 1): without_controls(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [without_controls(v, depth + 1) for v in value]
    return value


def _expanded_size(value, budget: int = MAX_EXPANDED + 1) -> int:
    """Items and characters `value` stands for once every alias is written out; stops counting past `budget`."""
    total = 0
    stack = [value]
    while stack and total <= budget:
        item = stack.pop()
        total += 1
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set)):
            stack.extend(item)
    return total


def _failing_line(fm_lines: list[str], kind: type) -> int:
    """The file line where loading the front matter first fails with `kind` (1 when it cannot be told)."""
    for end in range(1, min(len(fm_lines), 500) + 1):
        try:
            yaml.load("\n".join(fm_lines[:end]), Loader=_Loader)
        except kind:
            return end + 1
        except Exception:   # noqa: BLE001 - an unfinished prefix: keep reading lines
            continue
    return 1


def key_line(fm_lines: list[str], key: str) -> int:
    """The file line number of a top-level key in the front matter (1 for the opening '---')."""
    for i, line in enumerate(fm_lines):
        if line.startswith(key + ":"):
            return i + 2
    return 1
