"""Old comments: the comments plugin's XML files, each attributed to its entry.

`comment_dir/<category>/<slug>-<epoch>.cmt` holds one `<item>`; a compacted `<slug>-all.cmt` holds `<items>`.
The plugin's own glob `<slug>-*.cmt` also caught a sibling `<slug>-more` entry's comments; we do not.
"""

from __future__ import annotations

import html
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from .entries import OldEntry

_EPOCH_OR_ALL = re.compile(r"[0-9]+(\.[0-9]*)?|all")


@dataclass
class OldComment:
    source: Path
    entry: OldEntry
    epoch: float
    date: datetime
    author: str
    url: str
    email: str
    body: str                       # HTML, as the plugin stored it (sanitized when it was posted)
    pending: bool                   # an unapproved draft


def read_comments(comment_dir: Path, entries: dict[str, dict[str, OldEntry]], *, tz: ZoneInfo, ext: str,
                  draft_ext: str, report) -> list[OldComment]:
    """`entries` is {category: {slug: entry}}. Problems are reported, never raised: one bad file of
    thousands must not stop an import."""
    found = []
    for root, dirs, files in os.walk(comment_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        category = Path(root).relative_to(comment_dir).as_posix()
        category = "" if category == "." else category
        for name in sorted(files):
            if not name.startswith("."):
                found += _read_file(Path(root, name), entries.get(category, {}), category,
                                    tz=tz, ext=ext, draft_ext=draft_ext, report=report)
    return found


def _read_file(path: Path, slugs: dict[str, OldEntry], category: str, *, tz, ext, draft_ext, report):
    name = path.name
    if name == f"LATEST.{ext}":
        report.skip(path, "the comments plugin's note of the latest comment (a pickle), not a comment",
                    kind="not a comment (LATEST.cmt)")
        return []
    if name.endswith(f".{ext}.compacted"):
        report.skip(path, "left over from compacting comments: its comments are in the -all file",
                    kind="left over from compacting comments")
        return []
    stem, _, suffix = name.rpartition(".")
    known = suffix in (ext, draft_ext) and stem
    pending = suffix != ext or not stem
    try:
        items = _parse(path)
    except ValueError as e:
        report.skip(path, f"unreadable comment file ({e}); its comments are not imported" if known
                    else f"not a comment file ({e})", kind="unreadable comment file" if known else "not a comment file")
        return []
    entry, name_epoch = _owner(stem, slugs)
    if entry is None:
        slug = _meant_slug(stem or name)
        where = f"{category}/{slug}" if category else slug
        report.skip(path, f"comment on '{where}', but there is no such entry", kind="comment on no entry")
        return []
    comments = []
    for number, item in enumerate(items, 1):
        date = _date(item.get("pubDate", ""), tz) or _date(name_epoch, tz)
        if date is None:
            report.skip(path, f"comment {number} has no usable pubDate, so no date: not imported",
                        kind="comment without a date")
            continue
        comments.append(OldComment(
            source=path, entry=entry, epoch=date.timestamp(), date=date.replace(microsecond=0),
            # author, link and email were HTML to the plugin ('Tom &amp; Jerry' showed as 'Tom & Jerry'); ours
            # are text, escaped where shown.
            author=" ".join(html.unescape(item.get("author", "")).split()) or "Anonymous",
            url=html.unescape(item.get("link", "")).strip(), email=html.unescape(item.get("email", "")).strip(), body=item.get("description", ""), pending=pending))
    return comments


def _parse(path: Path) -> list[dict[str, str]]:
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, LookupError, OSError) as e:
        raise ValueError(f"bad XML: {e}") from None
    if root.tag == "item":
        items = [root]
    elif root.tag == "items":
        items = root.findall("item")
    else:
        raise ValueError(f"its root element is <{root.tag}>, not <item> or <items>")
    if not items:
        raise ValueError("no <item> in it")
    return [{child.tag: "".join(child.itertext()) for child in item} for item in items]


def _owner(stem: str, slugs: dict[str, OldEntry]) -> tuple[OldEntry | None, str]:
    """The entry with the longest slug for which the rest of the name is '-<epoch>' or '-all', and that rest."""
    cut = len(stem)
    while (cut := stem.rfind("-", 0, cut)) > 0:
        slug, rest = stem[:cut], stem[cut + 1:]
        if slug in slugs and _EPOCH_OR_ALL.fullmatch(rest):
            return slugs[slug], rest
    return None, ""


def _meant_slug(stem: str) -> str:
    match = re.fullmatch(r"(.*)-(?:[0-9.]+|all)", stem)
    return match[1] if match else stem


def _date(epoch: str, tz: ZoneInfo) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(epoch), tz)
    except (ValueError, OverflowError, OSError):     # '', 'all', 'nan', year 10000
        return None
