"""URL slugs for tags: stable, lowercase, and distinct for tags that are not the same words.

Two spellings are one tag only when they differ in case or in how spaces are written (`Open Source`,
`open source`, `open-source`). Letters, digits, `_`, `.`, `~` and `-` are kept and spaces become `-`, exactly as
slugs always were; every other character is spelled as a word, so `C`, `C++` and `C#` are `c`, `c-plus-plus`
and `c-sharp` rather than one tag. Dots at either end are spelled too (`.NET` is `dot-net`, not `net`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Runs of characters that are not kept as they are; whitespace-only runs become '-' as they always did.
_UNSAFE = re.compile(r"[^\w.~-]+")
_SPACE = re.compile(r"\s+")
# Short names for the symbols tags use most; any other character is named by Unicode ('🐍' -> 'snake').
_SYMBOLS = {"+": "plus", "#": "sharp", "&": "and", "@": "at", "%": "percent", "*": "star", "/": "slash",
            "\\": "backslash", "'": "apostrophe", "’": "apostrophe", '"': "quote", "=": "equals", "<": "lt",
            ">": "gt", "|": "bar", "!": "bang", "?": "question", "$": "dollar", "^": "caret", ":": "colon",
            ";": "semicolon", ",": "comma", "(": "paren", ")": "paren", "[": "bracket", "]": "bracket",
            "{": "brace", "}": "brace", "`": "backtick", ".": "dot"}


def _word(char: str) -> str:
    name = _SYMBOLS.get(char)
    if name is None:
        name = unicodedata.name(char, "") or f"u{ord(char):04x}"
        name = re.sub(r"[^a-z0-9]+", "-", name.lower()).removesuffix("-sign")
    return name


def _spell(match: re.Match) -> str:
    run = match.group()
    symbols = _SPACE.sub("", run)
    if not symbols:
        return "-"
    return "-" + "-".join(_word(c) for c in symbols) + "-"


def tag_slug(name: str) -> str:
    """'Military SF' -> 'military-sf', 'C++' -> 'c-plus-plus'. Two tags with the same slug are one tag."""
    text = unicodedata.normalize("NFC", name.strip().lower())
    slug = _UNSAFE.sub(_spell, text).strip("-")
    head = len(slug) - len(slug.lstrip("."))
    tail = len(slug) - len(slug.rstrip(".")) if head < len(slug) else 0
    if head or tail:
        core = slug.strip(".").strip("-")
        slug = "-".join(["dot"] * head + ([core] if core else []) + ["dot"] * tail)
    if not slug:
        # Only reached by a name of white space, which tags never are; still a stable, safe URL.
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
