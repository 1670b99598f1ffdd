"""Files that are not listings: the 404 page, the theme's static files and content/static/."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from ..content.loader import RACY_SECONDS, readable, walk_files
from ..errors import BlogError
from . import Page
from .context import RenderContext


def not_found_page(ctx: RenderContext):
    def render():
        return ctx.render_page("404.html", {"title": "Page not found", "feeds": [], "canonical": None,
                                            "description": "There is no page at this address."})

    yield Page("404.html", ctx.templates_key(("404.html",), "404"), render, "the 404 page")


FAVICON = "favicon.svg"


@dataclass(frozen=True)
class StaticFolder:
    """A folder copied as it is (content/static/, the theme's static/), walked once a build: its files are
    in the no-change key, in the pages and in the links a post may make."""
    folder: Path
    prefix: str                            # where its files go under output/
    source: str                            # how error messages name it
    files: list[tuple[str, Path, str]]     # copied_file_keys(folder)

    @classmethod
    def walk(cls, folder: Path, prefix: str, source: str) -> "StaticFolder":
        return cls(folder, prefix, source, copied_file_keys(folder))


def favicon(theme: StaticFolder, content: StaticFolder):
    """The theme's favicon at /favicon.svg, where every page links it, unless content/static/ has its own
    favicon.svg (copied there with the rest of content/static/)."""
    if (content.folder / FAVICON).is_file():
        return
    for rel, path, key in theme.files:
        if rel == FAVICON:
            yield Page(FAVICON, key, path.read_bytes, f"{theme.source}/{FAVICON}")


def copied_files(static: StaticFolder):
    """Every file of the folder, copied as it is to output/<prefix><relative path>."""
    for rel, path, key in static.files:
        yield Page(static.prefix + rel, key, path.read_bytes, f"{static.source}/{rel}")


def copied_file_keys(folder: Path) -> list[tuple[str, Path, str]]:
    """(relative path, path, key) of every file under `folder` worth copying; the key changes with its bytes."""
    if not folder.is_dir():
        return []
    racy_before = time.time_ns() - RACY_SECONDS * 1_000_000_000
    found = []
    # Dot-files and dot-folders (.git/) are not published; links are followed only inside the site (content/
    # static) or the themes folder, like every content file (the warnings are given when content is loaded).
    for rel, st in walk_files(str(folder), str(folder.parent.parent)):
        path = folder / rel
        if not readable(st):
            raise BlogError("cannot read this file (permission denied); fix its permissions", path)
        key = f"file:{st.st_mtime_ns}:{st.st_size}"
        if st.st_mtime_ns >= racy_before:
            # Changed moments ago: a same-size save within the same clock tick would keep this stat, so the
            # bytes decide. Once the file is older the stat alone does; that change of key costs one more read.
            key += ":" + hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
        found.append((rel, path, key))
    return found
