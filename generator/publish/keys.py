"""Short hashes that say "these inputs": page keys, the cache's keys, and a whole build's inputs."""

from __future__ import annotations

import hashlib
from typing import Any


def make_key(*parts: Any) -> str:
    """A short hash of the parts. Strings and lists of strings (the hot case: block keys of a listing) are
    joined directly; anything else goes through repr()."""
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, list):
            try:
                out.append("\x1e".join(part))
            except TypeError:
                out.append(repr(part))
        else:
            out.append(repr(part))
    return hashlib.blake2b("\x1f".join(out).encode(), digest_size=16).hexdigest()
