"""Markdown to HTML, once per body: cached across builds by the body's hash, spread over all cores when many
bodies need rendering. Comment bodies come from strangers and are sanitized after rendering."""

from __future__ import annotations

import hashlib
import html as html_module
import re
import signal
import threading
from contextlib import contextmanager
from importlib.metadata import version

from ..errors import BlogError
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

# The budget of a stranger's comment: Python-Markdown recurses once per level of nested lists and quotes (600
# levels in 1.2 KB end in RecursionError) and is slow on some inputs (10,000 setext headings: seconds). A comment
# nested deeper than this, or taking more CPU than this, is published as escaped plain text instead.
MAX_UNTRUSTED_NESTING = 24
UNTRUSTED_CPU_SECONDS = 2.0
# One line's container prefix: list markers, quote markers and the white space between them.
_CONTAINERS = re.compile(r"^(?:[ \t]*(?:[-*+]|\d{1,9}[.)]|>)(?=[ \t>]|$))+", re.MULTILINE)


# A code block wider than the column scrolls; keyboard users can scroll it only if it can take the focus.
FOCUSABLE_PRE = '<pre tabindex="0">'

# Changes whenever the HTML for the same source could change; part of every cache key and page key.
MARKDOWN_FINGERPRINT = hashlib.blake2b(
    repr((version("markdown"), version("pygments"), EXTENSIONS, COMMENT_EXTENSIONS, ID_SCHEME, FOCUSABLE_PRE,
          sorted((name, sorted((k, v) for k, v in conf.items() if not callable(v)))
                 for name, conf in EXTENSION_CONFIGS.items()),
          SANITIZER_FINGERPRINT, MAX_UNTRUSTED_BRACKETS, MAX_UNTRUSTED_NESTING)).encode(), digest_size=8).hexdigest()

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
    if untrusted:
        html = sanitize_comment_html(html)
    # Markdown's and the sanitizer's <pre> only: HTML bodies (imported posts) are published as written.
    return html.replace("<pre>", FOCUSABLE_PRE) if body_format != "html" or untrusted else html


def _footnotes(md):
    from markdown.extensions.footnotes import FootnoteExtension
    return next((ext for ext in md.registeredExtensions if isinstance(ext, FootnoteExtension)), None)



def post_html(body: str, body_format: str, source: str, id_prefix: str = "") -> str:
    """The blogger's own body: it may fail the build, but with one line naming the file."""
    try:
        return to_html(body, body_format, id_prefix=id_prefix)
    except RecursionError:
        raise BlogError("the Markdown is nested too deeply to render (lists or quotes inside each other "
                        "hundreds of levels deep); flatten it", source) from None


def comment_html(body: str, body_format: str, max_bytes: int) -> tuple[str, str | None]:
    """(HTML, None), or within the budget's limits (size, nesting, CPU time) (escaped plain text, why):
    a stranger's comment never fails a build."""
    if len(body.encode("utf-8", "surrogatepass")) > max_bytes:
        return plain_html(body), f"longer than comments.max_bytes ({max_bytes} bytes)"
    if body_format != "html" and nesting(body) > MAX_UNTRUSTED_NESTING:
        return plain_html(body), f"lists or quotes nested more than {MAX_UNTRUSTED_NESTING} deep"
    try:
        with _cpu_limit(UNTRUSTED_CPU_SECONDS):
            return to_html(body, body_format, untrusted=True), None
    except _OverBudget:
        return plain_html(body), f"took more than {UNTRUSTED_CPU_SECONDS:g} s of CPU to render"
    except RecursionError:
        return plain_html(body), "nested too deeply to render"


def nesting(body: str) -> int:
    """The deepest stack of list and quote markers (and indentation, 4 columns a level) any line opens."""
    deepest = 0
    for match in _CONTAINERS.finditer(body):
        prefix = match.group(0)
        markers = len(re.findall(r"[-*+>]|\d{1,9}[.)]", prefix))
        deepest = max(deepest, markers + prefix.expandtabs(4).count(" ") // 4)
    return deepest


def plain_html(body: str) -> str:
    """A body shown as the text it is: escaped, paragraphs at blank lines, line breaks kept."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", body.strip()) if p.strip()]
    html = "\n".join("<p>" + html_module.escape(p).replace("\n", "<br>\n") + "</p>" for p in paragraphs)
    return sanitize_comment_html(html)


class _OverBudget(Exception):
    pass


def _over_budget(signum, frame):
    raise _OverBudget()


@contextmanager
def _cpu_limit(seconds: float):
    """Raise _OverBudget once this process has spent `seconds` more CPU. Signals reach only the main thread;
    elsewhere (a server's thread) the size and nesting limits stand alone."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGPROF, _over_budget)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    except _OverBudget:
        _converters.clear()   # interrupted mid-conversion: fresh converters for the next body
        raise
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def html_key(body_hash: str, id_prefix: str = "", budget: int | None = None) -> str:
    """A post's HTML depends on its id prefix, a comment's on the budget (`budget`: comments.max_bytes)."""
    return (body_hash + "-" + MARKDOWN_FINGERPRINT + ("-" + id_prefix if id_prefix else "")
            + ("" if budget is None else f"-{budget}"))


def render_all(jobs: list[tuple[str, str, str, str, int | None, str]], progress=None
               ) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """jobs: (cache key, body, format, source, comments' max_bytes or None for the blogger's own posts, a post's
    id prefix).
    Returns ({key: html}, [(source, why)] of comments shown as plain text), on every core when there are many.
    Long bodies first, so the last chunks are short and both cores finish together."""
    jobs = sorted(jobs, key=lambda j: -len(j[1]))
    out = fork_map(_render_job, jobs, progress=progress)
    problems = [(job[3], why) for job, (_, why) in zip(jobs, out) if why]
    return {job[0]: html for job, (html, _) in zip(jobs, out)}, problems


def _render_job(job) -> tuple[str, str | None]:
    _, body, body_format, source, budget, id_prefix = job
    if budget is None:
        return post_html(body, body_format, source, id_prefix), None
    return comment_html(body, body_format, budget)
