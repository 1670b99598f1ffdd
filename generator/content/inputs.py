"""What any page could show, as one key: when it equals the key the last build recorded in output/'s manifest,
the build has nothing to do.

The key is made from the records of every post, comment and file shown at the build's time. At 100,000 posts,
reading those records (140,000 objects from the cache) costs more than the rest of a build that finds nothing
to do, so the key is also remembered against the content listing (every file's name and stat): while no file
changes and the clock has not reached the next moment it would change what is shown (a scheduled post's date,
a comment's, a post's comments closing), the key is the remembered one and no record is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..publish.keys import code_key, make_key
from .loader import Content, Listing
from .model import is_published

BLOB = "inputs"


@dataclass
class Inputs:
    shown: int                     # posts shown
    key: str
    until: float | None = None     # the first moment the clock alone changes what is shown (a timestamp)
    warnings: list[str] = field(default_factory=list)   # said while the records were read: said again


def settings_key(global_key: str, future: bool, drafts: bool, standalone, statics, forms) -> str:
    """Everything in the inputs but the content listing's records: all of it read on every build anyway (the
    global key holds the config, so the time zone the records were read in)."""
    parts = [global_key, code_key(), repr((future, drafts))]
    parts += [f"page\0{p.id}\0{p.source_hash}" for p in standalone]
    # By where they are published, not their folder: a site moved elsewhere is the same site.
    parts += [f"{s.prefix}\0{rel}\0{key}" for s in statics for rel, _, key in s.files]
    if forms is not None:
        parts.append("comment form\0" + forms.secret_key)
    return make_key(parts)


def content_inputs(settings: str, content: Content, now: datetime, future: bool, drafts: bool,
                   forms) -> Inputs:
    """The key of what the records show at `now`, and until when the clock leaves it so."""
    shown = [p for p in content.posts if is_published(p, now, future, drafts)]
    ids = {p.id for p in shown}
    parts = [p.id + "\0" + p.source_hash for p in shown]
    parts += [c.id + "\0" + c.source_hash for c in content.comments if c.post_id in ids and (future or c.date <= now)]
    parts += [f.id + "\0" + f.source_hash for f in content.files]   # pictures and files beside posts
    # Later than now, each of these changes what is shown: a post's or comment's date, a post's closing.
    later = [] if future else [r.date for r in (*content.posts, *content.comments) if r.date > now]
    if forms is not None:
        closed, closing = forms.clock(shown)   # which posts the clock has closed to comments, and the next
        parts += closed
        if closing is not None:
            later.append(closing)
    return Inputs(len(shown), make_key(settings, parts), min(later).timestamp() if later else None)


def remembered(cache, listing: Listing, settings: str, now: datetime) -> Inputs | None:
    """The inputs of the last build whose content listing and settings were these, if the clock has not since
    gone back nor reached the moment they would change."""
    if listing.racy:
        return None
    return last_inputs(cache, settings, now, listing.key)


def last_inputs(cache, settings: str, now: datetime, listing_key: str | None = None) -> Inputs | None:
    """The inputs the last build remembered, whatever its content listing was (or only if it was
    `listing_key`), if its settings were these and the clock has not since gone back nor reached the moment
    they would change."""
    last = cache.get_blob(BLOB)
    if not _well_formed(last) or last["settings"] != settings or listing_key not in (None, last["listing"]):
        return None
    stamp = now.timestamp()
    if not last["since"] <= stamp or (last["until"] is not None and stamp >= last["until"]):
        return None
    return Inputs(last["shown"], last["key"], last["until"], list(last["warnings"]))


def _well_formed(last) -> bool:
    """The blob as remember() writes it; anything else is as if there were none."""
    return (isinstance(last, dict) and all(isinstance(last.get(k), str) for k in ("listing", "settings", "key"))
            and isinstance(last.get("since"), float) and isinstance(last.get("until"), (float, type(None)))
            and isinstance(last.get("shown"), int) and isinstance(last.get("warnings"), list)
            and all(isinstance(line, str) for line in last["warnings"]))


def remember(cache, listing: Listing, settings: str, now: datetime, inputs: Inputs) -> None:
    if listing.racy:
        return
    cache.put_blob(BLOB, {"listing": listing.key, "settings": settings, "since": now.timestamp(),
                          "until": inputs.until, "shown": inputs.shown, "key": inputs.key,
                          "warnings": inputs.warnings})
