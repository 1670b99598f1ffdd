"""A new content file (an approved or added comment): whole or not at all, and never over another file."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

import yaml

from ..errors import BlogError


def comment_text(author: str, when: datetime, url: str, email: str, body: str, post_id: str | None = None) -> str:
    """A comment file as the reader reads it: front matter (a 'post:' line for the queue, author, date with
    its offset, url and email when given), then the body."""
    front: dict = {} if post_id is None else {"post": "/" + post_id}
    front.update({"author": author, "date": when})
    if url:
        front["url"] = url
    if email:
        front["email"] = email
    return ("---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1_000_000) + "---\n"
            + body.rstrip("\n") + "\n")


def create_file(folder: Path, stem: str, text: str) -> Path:
    """Write text to folder/stem.md, or stem-2.md, ...: never over an existing file, even in a race, and never
    half: the text goes to a temporary file first (a dot-file, which builds ignore), is synced, then linked to
    its name (a link fails where a file exists), so a full disk leaves nothing behind."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".blog-tmp-", suffix=".md", dir=folder)
    except OSError as e:
        raise BlogError(f"cannot write a comment here ({e.strerror}); nothing was written", folder) from None
    try:
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
        except OSError as e:
            raise BlogError(f"cannot write the comment ({e.strerror}); nothing was written", folder) from None
        for n in range(1, 10_000):
            path = folder / (f"{stem}.md" if n == 1 else f"{stem}-{n}.md")
            try:
                os.link(tmp, path)
                return path
            except FileExistsError:
                continue
        raise BlogError(f"no free file name for {stem}.md; tidy up the folder", folder)
    finally:
        Path(tmp).unlink(missing_ok=True)
