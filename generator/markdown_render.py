"""Markdown to HTML, once per body: cached across builds by the body's hash, spread over all cores when many
bodies need rendering. Comment bodies come from strangers and are sanitized after rendering."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import markdown
import pygments

from .sanitize import SANITIZER_FINGERPRINT, sanitize_comment_html

EXTENSIONS = ["fenced_code", "tables", "codehilite", "sane_lists"]
EXTENSION_CONFIGS = {"codehilite": {"css_class": "highlight", "guess_lang": False}}

# Changes whenever the HTML for the same source could change; part of every cache key and page key.
MARKDOWN_FINGERPRINT = hashlib.blake2b(
    repr((markdown.__version__, pygments.__version__, EXTENSIONS, sorted(EXTENSION_CONFIGS.items()),
          SANITIZER_FINGERPRINT)).encode(), digest_size=8).hexdigest()

# Below this many bodies a process pool costs more than it saves.
POOL_THRESHOLD = 64

_md = None


def _converter() -> markdown.Markdown:
    global _md
    if _md is None:
        _md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS,
                                output_format="html")
    return _md


def to_html(body: str, body_format: str, untrusted: bool = False) -> str:
    if body_format == "html":
        html = body
    else:
        md = _converter()
        html = md.reset().convert(body)
    return sanitize_comment_html(html) if untrusted else html


def html_key(body_hash: str) -> str:
    return body_hash + "-" + MARKDOWN_FINGERPRINT


def _render_chunk(jobs: list[tuple[str, str, str, bool]]) -> list[tuple[str, str]]:
    return [(key, to_html(body, fmt, untrusted)) for key, body, fmt, untrusted in jobs]


def render_all(jobs: list[tuple[str, str, str, bool]], workers: int | None = None) -> dict[str, str]:
    """jobs: (cache key, body, format, untrusted). Returns {key: html}."""
    if not jobs:
        return {}
    workers = workers or os.cpu_count() or 1
    if len(jobs) < POOL_THRESHOLD or workers == 1:
        return dict(_render_chunk(jobs))
    # Long bodies first, in many small chunks, so both cores finish together.
    jobs = sorted(jobs, key=lambda j: -len(j[1]))
    chunks = [jobs[i::workers * 8] for i in range(workers * 8)]
    results: dict[str, str] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        for part in pool.map(_render_chunk, chunks):
            results.update(part)
    return results
