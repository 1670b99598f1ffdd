"""URL slugs for tags: stable, lowercase, with spaces and unsafe characters folded to '-'."""

from __future__ import annotations

import hashlib
import re

_UNSAFE = re.compile(r"[^\w.~-]+")


def tag_slug(name: str) -> str:
    """'Military SF' -> 'military-sf'. Two tags with the same slug are one tag."""
    slug = _UNSAFE.sub("-", name.strip().lower()).strip("-.")
    if not slug:
        # A tag made only of punctuation still needs a stable, safe URL.
        slug = "tag-" + hashlib.blake2b(name.encode(), digest_size=4).hexdigest()
    elif len(slug.encode()) > MAX_SLUG_BYTES:
        # A file name holds 255 bytes: a long tag keeps its start and gets a hash of the whole, so two long
        # tags that start alike stay two.
        digest = hashlib.blake2b(slug.encode(), digest_size=4).hexdigest()
        while len(slug.encode()) > MAX_SLUG_BYTES - 9:
            slug = slug[:-1]
        slug = slug.rstrip("-.") + "-" + digest
    return slug


MAX_SLUG_BYTES = 100
