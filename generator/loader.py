"""Phase one of a build: find every content file and turn it into records, reusing the cache where the file is
unchanged (same path, mtime and size), so a rebuild reads only what was edited."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from .cache import BuildCache
from .errors import BlogError
from .model import Comment, Post
from .frontmatter import split
from .reader import COMMENTS_SUFFIX, POST_SUFFIXES, decode, read_comment, read_post

STATIC_DIR = "static"


@dataclass
class Content:
    posts: list[Post]
    comments: list[Comment]
    static_files: list[PurePosixPath]                     # under content/static/
    bodies: dict[str, str] = field(default_factory=dict)  # body_hash -> source, for files read this run
    files_read: int = 0


def _walk(content_dir: Path):
    """Yield (rel path, stat) of every file, skipping dot-files and dot-folders, sorted for stable output."""
    stack = [content_dir]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name, reverse=True):
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    stack.append(Path(entry.path))
                elif entry.is_file():
                    yield PurePosixPath(Path(entry.path).relative_to(content_dir).as_posix()), entry.stat()


def load_content(site_dir: Path, tz: ZoneInfo, cache: BuildCache, warn) -> Content:
    content_dir = site_dir / "content"
    if not content_dir.is_dir():
        raise BlogError("there is no content/ folder; create it and put posts in it", content_dir)
    old = cache.load_records()
    records: dict = {}
    result = Content(posts=[], comments=[], static_files=[])
    for rel, st in _walk(content_dir):
        if rel.parts[0] == STATIC_DIR:
            result.static_files.append(rel)
            continue
        in_comments = rel.parent.name.endswith(COMMENTS_SUFFIX)
        if rel.suffix not in POST_SUFFIXES:
            if not (in_comments and rel.suffix == ".md"):
                warn(f"warning: content/{rel}: not a post (posts end in .md); ignored")
            continue
        if any(part.endswith(COMMENTS_SUFFIX) for part in rel.parts[:-2]):
            warn(f"warning: content/{rel}: comment folders hold no sub-folders; ignored")
            continue
        key = str(rel)
        cached = old.get(key)
        # Dates are read in the site's zone, so a record is only as good as the zone it was read in.
        if cached and cached[:3] == (st.st_mtime_ns, st.st_size, tz.key):
            record = cached[3]
        else:
            data = (content_dir / rel).read_bytes()
            reader = read_comment if in_comments else read_post
            record, body = reader(rel, data, tz)
            result.bodies[record.body_hash] = body
            result.files_read += 1
        records[key] = (st.st_mtime_ns, st.st_size, tz.key, record)
        (result.comments if in_comments else result.posts).append(record)
    _check_unique(result.posts)
    if records != old:
        cache.save_records(records)
    return result


def _check_unique(posts: list[Post]) -> None:
    seen: dict[str, Post] = {}
    for post in posts:
        if post.id in seen:
            raise BlogError(f"two posts map to one URL {post.url}: {seen[post.id].source} and {post.source}; "
                            "rename or remove one", post.source)
        seen[post.id] = post


def read_body(site_dir: Path, record: Post | Comment) -> str:
    """The body of a record whose file was not read this run (its HTML was not in the cache)."""
    return split(decode((site_dir / record.source).read_bytes(), record.source), record.source)[1]
