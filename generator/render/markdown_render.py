"""Markdown to HTML, once per body: cached across builds by the body's hash, spread over all cores when many
bodies need rendering. Comment bodies come from strangers and are sanitized after rendering."""

from __future__ import annotations

import hashlib
import re
from importlib.metadata import version

from ..parallel import fork_map
from .sanitize import SANITIZER_FINGERPRINT, sanitize_comment_html

# sane_lists was left out: it cost a third of all Markdown time on long posts.
# Comments (strangers' text) keep the small set: the sanitizer drops ids, classes and footnote markup anyway.
COMMENT_EXTENSIONS = ["fenced_code", "tables", "codehilite"]
# Posts get what bloggers expect of Python-Markdown: footnotes, a [TOC], definition lists, abbreviations and
# attribute lists ({: .class }); toc also gives every heading an id.
EXTENSIONS = COMMENT_EXTENSIONS + ["footnotes", "toc", "def_list", "abbr", "attr_list"]
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


# Heading and footnote ids start with the post's own prefix (id_prefix), so two posts on one listing page never
# share an id, and the ids stay the same on the post's page, every listing and every feed without rendering
# the Markdown more than once. Set for each body just before it is converted.
_id_prefix = ""


def _heading_id(value: str, separator: str) -> str:
    from markdown.extensions.toc import slugify
    return _id_prefix + (slugify(value, separator) or "section")


EXTENSION_CONFIGS = {"codehilite": {"css_class": "highlight", "guess_lang": False,
                                    "pygments_formatter": _shared_formatter},
                     "toc": {"slugify": _heading_id, "permalink": False}}
# Bump when _heading_id or the footnote ids change.
ID_SCHEME = 1

# Python-Markdown's link pattern backtracks badly on many '[' (upstream issue #798: 16 KB of them take minutes).
# A stranger's comment with more than this many is rendered with every '[' escaped: literal brackets, no links.
MAX_UNTRUSTED_BRACKETS = 200


# Changes whenever the HTML for the same source could change; part of every cache key and page key.
MARKDOWN_FINGERPRINT = hashlib.blake2b(
    repr((version("markdown"), version("pygments"), EXTENSIONS, COMMENT_EXTENSIONS, ID_SCHEME,
          sorted((name, sorted((k, v) for k, v in conf.items() if not callable(v)))
                 for name, conf in EXTENSION_CONFIGS.items()),
          SANITIZER_FINGERPRINT, MAX_UNTRUSTED_BRACKETS)).encode(), digest_size=8).hexdigest()

# Each of these costs 4-8% of Markdown time on every body, and can change nothing in a body without its mark
# (toc: a heading or [TOC]; raw HTML headings are stashed before toc runs, so it never sees them), so
# a body gets only those whose mark it has (the same HTML as with all of them: tests/test_markdown_extensions.py).
_ONLY_WHEN = {
    "footnotes": lambda body: "[^" in body,
    "abbr": lambda body: "*[" in body,
    "attr_list": lambda body: "{" in body,
    "def_list": lambda body: _DEFINITION.search(body) is not None,
    "toc": lambda body: "#" in body or "[TOC]" in body or _HEADING.search(body) is not None,
}
# Over-matching is safe (the extension just finds nothing); these match in quotes and lists too.
_DEFINITION = re.compile(r"^[ \t>]*:", re.M)
_HEADING = re.compile(r"[=-][ \t]*$", re.M)   # a setext underline (or a rule, or a line that ends in '-')
_converters: dict[tuple, object] = {}


def _converter(untrusted: bool, body: str = ""):
    if untrusted:
        wanted = tuple(COMMENT_EXTENSIONS)
    else:
        wanted = tuple(e for e in EXTENSIONS if e not in _ONLY_WHEN or _ONLY_WHEN[e](body))
    md = _converters.get(wanted)
    if md is None:
        import markdown   # here, not at the top: a build with nothing to render never needs it

        configs = {name: conf for name, conf in EXTENSION_CONFIGS.items() if name in wanted}
        md = _converters[wanted] = markdown.Markdown(extensions=list(wanted), extension_configs=configs,
                                                     output_format="html")
    return md


def post_id_prefix(post_id: str) -> str:
    """'book/John_Ringo/live-free-or-die' -> 'book-John_Ringo-live-free-or-die-': the start of every heading and
    footnote id in that post. From the path, not the text, so an edit keeps the ids readers linked to."""
    return post_id.replace("/", "-") + "-"


def to_html(body: str, body_format: str, untrusted: bool = False, id_prefix: str = "") -> str:
    global _id_prefix
    if body_format == "html":
        html = body
    else:
        if untrusted and body.count("[") > MAX_UNTRUSTED_BRACKETS:
            body = body.replace("\\", "\\\\").replace("[", "\\[")
        md = _converter(untrusted, body)
        if not untrusted:
            _id_prefix = id_prefix
            footnotes = _footnotes(md)
            if footnotes is not None:
                # Footnote ids are 'fn' + separator + number: the separator carries the prefix.
                footnotes.setConfig("SEPARATOR", "-" + id_prefix)
        html = md.reset().convert(body)
    return sanitize_comment_html(html) if untrusted else html


def _footnotes(md):
    from markdown.extensions.footnotes import FootnoteExtension
    return next((ext for ext in md.registeredExtensions if isinstance(ext, FootnoteExtension)), None)


def html_key(body_hash: str, id_prefix: str = "") -> str:
    return body_hash + "-" + MARKDOWN_FINGERPRINT + ("-" + id_prefix if id_prefix else "")


def render_all(jobs: list[tuple[str, str, str, bool, str]], progress=None) -> dict[str, str]:
    """jobs: (cache key, body, format, untrusted, id prefix). Returns {key: html}, using every core when there
    are many. Long bodies first, so the last chunks are short and both cores finish together."""
    jobs = sorted(jobs, key=lambda j: -len(j[1]))
    html = fork_map(lambda job: to_html(job[1], job[2], job[3], job[4]), jobs, progress=progress)
    return {job[0]: out for job, out in zip(jobs, html)}
