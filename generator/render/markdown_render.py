"""Markdown to HTML, once per body: cached across builds by the body's hash, spread over all cores when many
bodies need rendering. Comment bodies come from strangers and are sanitized after rendering."""

from __future__ import annotations

import hashlib
from importlib.metadata import version

from ..parallel import fork_map
from .sanitize import SANITIZER_FINGERPRINT, sanitize_comment_html

# sane_lists was left out: it cost a third of all Markdown time on long posts.
EXTENSIONS = ["fenced_code", "tables", "codehilite"]
_formatters: dict[str, object] = {}


def _shared_formatter(**options):
    """codehilite builds a new Pygments HtmlFormatter (and its style sheet) for every code block: a fifth of all
    Markdown time on the bench blog. A formatter keeps no state between blocks beyond caches, so one per set
    of options serves them all, with the same HTML."""
    key = repr(sorted(options.items()))
    formatter = _formatters.get(key)
    if formatter is None:
        from pygments.formatters import HtmlFormatter
        formatter = _formatters[key] = HtmlFormatter(**options)
    return formatter


EXTENSION_CONFIGS = {"codehilite": {"css_class": "highlight", "guess_lang": False,
                                    "pygments_formatter": _shared_formatter}}

# Python-Markdown's link pattern backtracks badly on many '[' (upstream issue #798: 16 KB of them take minutes).
# A stranger's comment with more than this many is rendered with every '[' escaped: literal brackets, no links.
MAX_UNTRUSTED_BRACKETS = 200


# A code block wider than the column scrolls; keyboard users can scroll it only if it can take the focus.
FOCUSABLE_PRE = '<pre tabindex="0">'

# Changes whenever the HTML for the same source could change; part of every cache key and page key.
MARKDOWN_FINGERPRINT = hashlib.blake2b(
    repr((version("markdown"), version("pygments"), EXTENSIONS, FOCUSABLE_PRE,
          sorted((name, sorted((k, v) for k, v in conf.items() if k != "pygments_formatter"))
                 for name, conf in EXTENSION_CONFIGS.items()),
          SANITIZER_FINGERPRINT, MAX_UNTRUSTED_BRACKETS)).encode(), digest_size=8).hexdigest()

_md = None


def _converter():
    global _md
    if _md is None:
        import markdown   # here, not at the top: a build with nothing to render never needs it

        _md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS,
                                output_format="html")
    return _md


def to_html(body: str, body_format: str, untrusted: bool = False) -> str:
    if body_format == "html":
        html = body
    else:
        if untrusted and body.count("[") > MAX_UNTRUSTED_BRACKETS:
            body = body.replace("\\", "\\\\").replace("[", "\\[")
        md = _converter()
        html = md.reset().convert(body)
    if untrusted:
        html = sanitize_comment_html(html)
    # Markdown's and the sanitizer's <pre> only: HTML bodies (imported posts) are published as written.
    return html.replace("<pre>", FOCUSABLE_PRE) if body_format != "html" or untrusted else html


def html_key(body_hash: str) -> str:
    return body_hash + "-" + MARKDOWN_FINGERPRINT


def render_all(jobs: list[tuple[str, str, str, bool]], progress=None) -> dict[str, str]:
    """jobs: (cache key, body, format, untrusted). Returns {key: html}, using every core when there are many.
    Long bodies first, so the last chunks are short and both cores finish together."""
    jobs = sorted(jobs, key=lambda j: -len(j[1]))
    html = fork_map(lambda job: to_html(job[1], job[2], job[3]), jobs, progress=progress)
    return {job[0]: out for job, out in zip(jobs, html)}
