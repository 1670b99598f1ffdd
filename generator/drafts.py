"""`blog drafts`: the posts marked `draft: true`, which no build publishes without --drafts."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from .config import load_config
from .content.loader import STATIC_DIR, walk_files
from .content.pages import PAGES_DIR
from .content.model import Post
from .content.reader import COMMENTS_SUFFIX, POST_SUFFIXES, read_post


def find_drafts(site_dir: Path) -> list[Post]:
    """Every draft post, newest first. Reads the files (not the build cache), so it writes nothing."""
    tz = load_config(site_dir).tz
    content = site_dir / "content"
    drafts = []
    for rel, _ in walk_files(str(content), str(site_dir)) if content.is_dir() else ():
        top = rel.split("/", 1)[0]
        folder = rel.rpartition("/")[0]
        if (top in (STATIC_DIR, PAGES_DIR) and "/" in rel) or COMMENTS_SUFFIX in folder \
                or os.path.splitext(rel)[1] not in POST_SUFFIXES:
            continue
        post, _ = read_post(PurePosixPath(rel), (content / rel).read_bytes(), tz)
        if post.draft:
            drafts.append(post)
    drafts.sort(key=lambda p: (p.date, p.id), reverse=True)
    return drafts
