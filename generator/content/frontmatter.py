"""Split a content file into YAML front matter and body; YAML errors keep their line number."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import BlogError

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
    try:
        meta = yaml.load("\n".join(fm_lines), Loader=_Loader)
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
    return meta, body, fm_lines


def key_line(fm_lines: list[str], key: str) -> int:
    """The file line number of a top-level key in the front matter (1 for the opening '---')."""
    for i, line in enumerate(fm_lines):
        if line.startswith(key + ":"):
            return i + 2
    return 1
