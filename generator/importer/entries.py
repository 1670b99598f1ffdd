"""Old entries: find them as PyBlosxom's walk did, and read them as its entry parsers did."""

from __future__ import annotations

import html
import io
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

# Extension -> the parser PyBlosxom used. The plugin readers (.md, .rst) ignore a #parser line.
ENTRY_EXTENSIONS = {".txt": None, ".md": "markdown", ".mkd": "markdown", ".markdown": "markdown", ".rst": "rest"}

# The keys the core reader gives a meaning (reader._POST_KEYS, less tags): an old metadata line with one of
# these names is renamed, not obeyed.
_RESERVED = {"title", "date", "format", "draft", "summary"}


@dataclass
class OldEntry:
    source: Path
    category: str                      # 'openstack/havana', or '' at the top of the data folder
    slug: str                          # the file name without its extension, exactly
    title: str
    date: datetime
    tags: list[str]
    fields: dict                       # other metadata lines, in file order
    body: str
    body_format: str                   # 'markdown' or 'html'
    date_source: str = ""              # 'metadata', 'file name', 'file time', '--dates-from'

    @property
    def id(self) -> str:
        return f"{self.category}/{self.slug}" if self.category else self.slug


def find_entry_files(datadir: Path, *, skip_dirs: set[Path], ignore_directories,
                     report) -> tuple[list[Path], list[Path]]:
    """Entry files and the other files beside them (served by filekicker and the like), in a stable order.
    Dot-folders, symlinked folders, the comments folder and folders ending with an `ignore_directories`
    item are not walked, like PyBlosxom's tools.walk; a symlinked file is read only when it stays inside."""
    if isinstance(ignore_directories, str):
        ignore_directories = [ignore_directories]
    ignore = (re.compile(r".*?(" + "|".join(re.escape(str(i)) for i in ignore_directories) + r")$")
              if ignore_directories else None)
    inside = datadir.resolve()
    found, others = [], []
    for root, dirs, files in os.walk(datadir):
        keep = []
        for name in sorted(dirs):
            full = Path(root, name)
            if name.startswith(".") or full.resolve() in skip_dirs or (ignore and ignore.match(str(full))):
                continue
            if full.is_symlink():
                report.skip(full, "symlinked folder: PyBlosxom did not follow it either", kind="symlinked folder")
                continue
            keep.append(name)
        dirs[:] = keep
        for name in sorted(files):
            full = Path(root, name)
            if name.startswith(".") and full.suffix not in ENTRY_EXTENSIONS:
                continue
            if full.is_symlink() and not full.resolve().is_relative_to(inside):
                report.skip(full, "a symlink to a file outside the data folder: not read",
                            kind="symlinked file pointing outside the data folder")
                continue
            if not full.is_file():
                continue
            (found if full.suffix in ENTRY_EXTENSIONS else others).append(full)
    return found, others


def read_entry(path: Path, datadir: Path, *, dates, config: dict, tags_separator: str,
               report) -> OldEntry | None:
    relative = path.relative_to(datadir)
    text = _decode(path, config.get("blog_encoding", "utf-8"), report)
    lines = _readlines(text)
    if not lines:
        report.skip(path, "empty file: PyBlosxom showed it with no title and no body", kind="empty file")
        return None
    title = lines.pop(0).strip()
    meta = _take_metadata(lines, path, report)
    when = dates.of(path, relative.as_posix(), text, meta)
    parser = ENTRY_EXTENSIONS[path.suffix] or str(meta.get("parser", config.get("parser", "plain"))).lower()
    body = "".join(lines)
    if dates.strips_brackets:
        body = re.sub(r"\[\[(.*?)\]\]", "", body)      # pymetadate's cb_postformat removed every [[...]]
    else:
        body = _META_LINE.sub("", body)
    body, body_format = _convert(body, parser, path, config, report)
    if path.suffix == ".txt" and "title" in meta:
        title = meta.pop("title")         # the core .txt reader let a #title line overwrite line 1
    # Titles were HTML to PyBlosxom: '&amp;' showed as '&'. Ours are text, escaped where they land.
    title = html.unescape(title)
    if not title:
        title = path.stem.replace("_", " ").replace("-", " ").strip() or path.stem
        report.warn(path, f"the first line (the title) is empty; titled '{title}' from the file name",
                    kind="empty title: titled from the file name")
    tags = _split_tags(meta.pop("tags", ""), tags_separator)
    meta.pop("parser", None)
    fields = {}
    for key, value in meta.items():
        if key == "nocomments":
            fields[key] = True
        elif key in _RESERVED:
            report.warn(path, f"metadata #{key} kept as pyblosxom_{key}: '{key}' means something else here",
                        kind="metadata renamed")
            fields["pyblosxom_" + key] = value
        else:
            fields[key] = value
    category = relative.parent.as_posix()
    return OldEntry(source=path, category="" if category == "." else category, slug=path.stem, title=title,
                    date=when, tags=tags, fields=fields, body=body, body_format=body_format,
                    date_source=dates.last_source)


# Metadata that date plugins wrote with a space after the '#' ('# pubdate 2014-09-30'): not a heading.
_PLUGIN_KEYS = {"pubdate", "pubtime", "postdate", "published"}

_META_LINE = re.compile(r"""\[\[!meta date=["'][^"'\]]*["']\]\]\n?""")


def _take_metadata(lines: list[str], path: Path, report) -> dict[str, str]:
    """Pop the '#key value' lines after the title, as PyBlosxom did: a key alone means "1", and the
    first line not starting with '#' ends them, even a Markdown heading's."""
    meta: dict[str, str] = {}
    number = 1
    while lines and lines[0].startswith("#"):
        line = lines.pop(0)
        number += 1
        key, _, value = line[1:].strip().partition(" ")
        key, value = key.strip(), value.strip() or "1"
        if line[1:2] in (" ", "\t", "#") and key not in _PLUGIN_KEYS:
            report.warn(path, f"line {number} {line.strip()!r} looks like a Markdown heading, but PyBlosxom "
                              f"read it as metadata ({key}: {value}); imported the same way",
                        kind="a Markdown heading read as metadata")
        if key:
            meta[key] = value
    return meta


def _decode(path: Path, encoding: str, report) -> str:
    data = path.read_bytes()
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        from charset_normalizer import from_bytes     # only for the rare file that is not the blog's encoding
        best = from_bytes(data).best()
        guess = best.encoding if best is not None else "latin-1"
        report.warn(path, f"not valid {encoding}; read as {guess} (detected), check its text",
                    kind=f"not {encoding}: encoding detected")
        text = str(best) if best is not None else data.decode("latin-1")
    return text.removeprefix("\ufeff")


def _readlines(text: str) -> list[str]:
    """Python 2's readlines(): split after each '\\n' only, keeping '\\r' and other line breaks in place."""
    return io.StringIO(text, newline="\n").readlines() if text else []


def _split_tags(line: str, separator: str) -> list[str]:
    tags: list[str] = []
    for tag in (t.strip() for t in line.split(separator)):
        if tag and tag not in tags:
            tags.append(tag)
    return tags


_CDATA_CODE = re.compile(r"<code>\s*<!\[CDATA\[(.*?)\]\]>\s*</code>", re.S)


def _convert(body: str, parser: str, path: Path, config: dict, report) -> tuple[str, str]:
    """The body as we store it: Markdown stays Markdown; everything PyBlosxom emitted as HTML is HTML."""
    if parser == "markdown":
        return body, "markdown"
    if parser in ("rest", "rst", "restructuredtext"):
        return _rest_to_html(body, path, config, report), "html"
    if parser == "syntaxhighlight":
        # The plugin read code in <code><![CDATA[...]]></code> and emitted it highlighted; as plain HTML a
        # browser takes CDATA for a comment and the code vanishes. Escaped in a <pre>, it shows.
        return _CDATA_CODE.sub(lambda m: '<div class="highlight"><pre><code>' + html.escape(m[1].strip("\n"))
                               + "</code></pre></div>", body), "html"
    if parser == "textile":
        try:
            import textile
        except ImportError:
            report.warn(path, "Textile, but the textile package is not installed: kept as raw HTML "
                              "(pip install textile, then import again)", kind="textile not installed")
            return body, "html"
        return textile.textile(body), "html"
    if parser != "plain":
        report.warn(path, f"unknown parser '{parser}'; body kept as raw HTML, as PyBlosxom did without it",
                    kind=f"unknown parser '{parser}'")
    elif "<![CDATA[" in body:
        report.warn(path, "raw HTML with <![CDATA[ in it: browsers hide what is inside, as they did on the old "
                          "blog", kind="CDATA in an HTML body")
    return body, "html"


def _rest_to_html(body: str, path: Path, config: dict, report) -> str:
    try:
        from docutils.core import publish_parts
        from docutils.writers.html4css1 import Writer    # what writer_name="html" meant to PyBlosxom
    except ImportError:
        report.warn(path, "reStructuredText, but docutils is not installed: imported as preformatted text "
                          "(pip install docutils, then import again)", kind="docutils not installed")
        return "<pre>" + html.escape(body) + "</pre>\n"
    # The rst_parser plugin's settings, so headings come out at the same levels; no file inclusion,
    # as the importer should read nothing but the old blog.
    settings = {"initial_header_level": config.get("reST_initial_header_level", 1),
                "doctitle_xform": config.get("reST_transform_doctitle", 1),
                "syntax_highlight": "short", "file_insertion_enabled": False,
                "warning_stream": io.StringIO()}
    return publish_parts(body, writer=Writer(), settings_overrides=settings)["body"]
