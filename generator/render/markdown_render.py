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

# The budget of a stranger's comment: Python-Markdown recurses once per level of nested lists and quotes (600
# levels in 1.2 KB end in RecursionError) and is slow on some inputs (10,000 setext headings: seconds). A comment
# nested deeper than this, or taking more CPU than this, is published as escaped plain text instead.
MAX_UNTRUSTED_NESTING = 24
UNTRUSTED_CPU_SECONDS = 2.0
# One line's container prefix: list markers, quote markers and the white space between them.
_CONTAINERS = re.compile(r"^(?:[ \t]*(?:[-*+]|\d{1,9}[.)]|>)(?=[ \t>]|$))+", re.MULTILINE)


# Changes whenever the HTML for the same source could change; part of every cache key and page key.
MARKDOWN_FINGERPRINT = hashlib.blake2b(
    repr((version("markdown"), version("pygments"), EXTENSIONS,
          sorted((name, sorted((k, v) for k, v in conf.items() if k != "pygments_formatter"))
                 for name, conf in EXTENSION_CONFIGS.items()),
          SANITIZER_FINGERPRINT, MAX_UNTRUSTED_BRACKETS, MAX_UNTRUSTED_NESTING)).encode(), digest_size=8).hexdigest()

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
    return sanitize_comment_html(html) if untrusted else html


def post_html(body: str, body_format: str, source: str) -> str:
    """The blogger's own body: it may fail the build, but with one line naming the file."""
    try:
        return to_html(body, body_format)
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
    global _md
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGPROF, _over_budget)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    except _OverBudget:
        _md = None   # interrupted mid-conversion: a fresh converter for the next body
        raise
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def html_key(body_hash: str, budget: int | None = None) -> str:
    """Comments' HTML depends on the budget too (`budget`: comments.max_bytes)."""
    return body_hash + "-" + MARKDOWN_FINGERPRINT + ("" if budget is None else f"-{budget}")


def render_all(jobs: list[tuple[str, str, str, str, int | None]], progress=None
               ) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """jobs: (cache key, body, format, source, comments' max_bytes or None for the blogger's own posts).
    Returns ({key: html}, [(source, why)] of comments shown as plain text), on every core when there are many.
    Long bodies first, so the last chunks are short and both cores finish together."""
    jobs = sorted(jobs, key=lambda j: -len(j[1]))
    out = fork_map(_render_job, jobs, progress=progress)
    problems = [(job[3], why) for job, (_, why) in zip(jobs, out) if why]
    return {job[0]: html for job, (html, _) in zip(jobs, out)}, problems


def _render_job(job) -> tuple[str, str | None]:
    _, body, body_format, source, budget = job
    if budget is None:
        return post_html(body, body_format, source), None
    return comment_html(body, body_format, budget)
