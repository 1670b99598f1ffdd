"""Content files to records: posts and comments, validated, with errors naming the file and line."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import PurePosixPath
from sys import intern   # tags, categories, formats: repeated across posts, kept once (and pickled once)
from zoneinfo import ZoneInfo

from ..errors import BlogError
from .frontmatter import CONTROL as _CONTROL, key_line, split, without_controls
from .model import Comment, Post
from .slugs import tag_slug

POST_SUFFIXES = (".md", ".markdown")
COMMENTS_SUFFIX = ".comments"
FORMATS = ("markdown", "html")
_POST_KEYS = {"title", "date", "tags", "draft", "summary", "format"}
# More tags than this on one post is almost surely a mistake (every tag feed repeats them all): a warning.
MANY_TAGS = 50


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def decode(data: bytes, source: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise BlogError("this file is not UTF-8 text; save it as UTF-8", source, line) from None
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def parse_date(value, tz: ZoneInfo, source: str, line: int, what: str = "date") -> datetime:
    """'2014-02-24 17:04' in the site's zone, or ISO 8601 with an offset; always returned in the site's zone."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise BlogError(f"'{what}: {value}' is not a date; write it like 2014-02-24 17:04 "
                            "or 2014-02-24T17:04:00+11:00", source, line) from None
    else:
        raise BlogError(f"'{what}' must be a date like 2014-02-24 17:04, not {value!r}", source, line)
    try:
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        parsed = parsed.astimezone(tz)
        parsed.timestamp()   # the moment must exist in UTC too: pages and feeds are dated with it
        parsed.astimezone(ZoneInfo("UTC"))
    except (OverflowError, ValueError):
        raise BlogError(f"'{what}: {value}' is outside the dates a page can show; use a year from 1 to 9999",
                        source, line) from None
    return parsed


def parse_tags(value, source: str, line: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A YAML list, or one space-separated string as the old blogs wrote them. Same slug, same tag."""
    if value is None:
        items = []
    elif isinstance(value, str):
        items = _CONTROL.sub("", value).split()
    elif isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        items = [_CONTROL.sub("", str(v)).strip() for v in value]
    else:
        raise BlogError("'tags' must be a list such as [openstack, nova] or a string such as "
                        "'openstack nova'", source, line)
    names, slugs = [], []
    for name in items:
        if not name:
            continue
        slug = intern(tag_slug(name))
        if slug not in slugs:
            names.append(intern(name))
            slugs.append(slug)
    return tuple(names), tuple(slugs)


def body_format(meta: dict, source: str, fm_lines) -> str:
    fmt = meta.get("format", "markdown")
    if fmt not in FORMATS:
        raise BlogError(f"'format: {fmt}' is not known; use markdown or html", source,
                        key_line(fm_lines, "format"))
    return fmt


def draft_field(meta: dict, source: str, fm_lines) -> bool:
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        raise BlogError("'draft' must be true or false", source, key_line(fm_lines, "draft"))
    return draft


EXAMPLE_DATE = "2014-02-24 17:04"


def required(meta: dict, key: str, example: str, kind: str, source: str):
    value = meta.get(key)
    if value is None or (isinstance(value, str) and value.strip() == ""):
        raise BlogError(f"the {kind} has no {key}: add '{key}: {example}' to the front matter", source, 1)
    return value


def text_field(meta: dict, key: str, source: str, fm_lines, default: str = "") -> str:
    """A field shown as text: a list, mapping, number, date or true/false there is an error naming it (it would
    show as Python's notation). Quote it in YAML to keep it as text."""
    value = meta.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        kind = type(value).__name__.replace("str", "text").replace("NoneType", "nothing")
        raise BlogError(f"'{key}' must be text, not a {kind} ({str(value)[:40]!r}); put it in quotes",
                        source, key_line(fm_lines, key))
    return _CONTROL.sub("", value).strip()


def read_post(rel: PurePosixPath, data: bytes, tz: ZoneInfo) -> tuple[Post, str]:
    """`rel` is the path under content/ ('book/John_Ringo/live-free-or-die.md'). Returns the post and its body."""
    source = f"content/{rel}"
    meta, body, fm_lines = split(decode(data, source), source)
    required(meta, "title", "...", "post", source)
    title = text_field(meta, "title", source, fm_lines)
    when = parse_date(required(meta, "date", EXAMPLE_DATE, "post", source), tz, source, key_line(fm_lines, "date"))
    names, slugs = parse_tags(meta.get("tags"), source, key_line(fm_lines, "tags"))
    draft = draft_field(meta, source, fm_lines)
    fmt = body_format(meta, source, fm_lines)
    summary = text_field(meta, "summary", source, fm_lines)
    extra = tuple((str(k), without_controls(v)) for k, v in meta.items() if k not in _POST_KEYS)
    category = intern("/" + str(rel.parent).strip(".").strip("/") if str(rel.parent) != "." else "/")
    post = Post(
        id=str(rel.with_suffix("")), source=source, category=category, slug=rel.stem,
        title=title, date=when, tags=names, tag_slugs=slugs, summary=summary,
        draft=draft, body_format=intern(fmt), extra=extra, source_hash=digest(data),
        body_hash=digest(fmt.encode() + b"\0" + body.encode("utf-8")),
        front_hash=digest("\n".join(fm_lines).encode("utf-8")),
    )
    return post, body


def read_comment(rel: PurePosixPath, data: bytes, tz: ZoneInfo) -> tuple[Comment, str]:
    """`rel` is 'book/foo.comments/20140225-jane.md'; the post is 'book/foo'."""
    source = f"content/{rel}"
    meta, body, fm_lines = split(decode(data, source), source)
    required(meta, "author", "...", "comment", source)
    author = text_field(meta, "author", source, fm_lines)
    when = parse_date(required(meta, "date", EXAMPLE_DATE, "comment", source), tz, source,
                      key_line(fm_lines, "date"))
    fmt = body_format(meta, source, fm_lines)
    folder = rel.parent
    post_id = intern(str(folder.with_name(folder.name[: -len(COMMENTS_SUFFIX)])))
    comment = Comment(
        id=str(rel), post_id=post_id, author=author, date=when,
        url=text_field(meta, "url", source, fm_lines), email=text_field(meta, "email", source, fm_lines),
        body_format=intern(fmt), source_hash=digest(data),
        body_hash=digest(b"comment\0" + fmt.encode() + b"\0" + body.encode("utf-8")),
    )
    return comment, body
