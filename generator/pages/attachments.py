"""Files beside posts, published at the same path under output/ (`content/book/x/cover.png` ->
`/book/x/cover.png`), copied only when their bytes change. With `images.max_width`, a wider picture is
published as a copy that wide, and a picture wider than a phone also as a copy for phones (render/images.py)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from . import Page
from ..publish.keys import make_key
from ..render.images import IMAGES_FINGERPRINT, kept_name, phone_copy, prune, published_size, resized_bytes


def attachment_pages(ctx, site_dir: Path, cache_dir: Path) -> list[Page]:
    max_width = ctx.config.images.max_width
    content = site_dir / "content"
    pages, kept = [], set()
    for att in ctx.site.files.values():
        source = content / att.id
        width = published_size(att, max_width)[0]
        if width == att.width:
            # Keyed by the bytes alone: a theme or config edit leaves the file be.
            pages.append(Page(att.id, "file:" + att.source_hash, source.read_bytes, att.source))
        else:
            pages.append(_resized(att, source, width, cache_dir, att.id, att.source))
            kept.add(kept_name(att, width))
        phone = phone_copy(att, max_width)
        if phone:
            pages.append(_resized(att, source, phone[1], cache_dir, phone[0], f"{att.source} ({phone[1]} px)"))
            kept.add(kept_name(att, phone[1]))
    prune(cache_dir, kept)
    return pages


def _resized(att, source: Path, width: int, cache_dir: Path, path: str, label: str) -> Page:
    key = make_key("resized", att.source_hash, str(width), IMAGES_FINGERPRINT)
    return Page(path, key, partial(resized_bytes, source, att, width, cache_dir), label)
