"""Short hashes that say "these inputs": page keys, the cache's keys, and a whole build's inputs."""

from __future__ import annotations

import hashlib
import os
from functools import cache
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


@cache
def code_key() -> str:
    """This copy of blog's own code, by each module's name, size and time: a new version (a pull, an upgrade)
    takes the long way on its first build, so what it changed in the record or the cache is seen, not skipped as
    "no file changed". Stats, not bytes: a hundred files, once per process."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stats = []
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                st = os.stat(path)
                stats.append(f"{os.path.relpath(path, package)}\0{st.st_size}\0{st.st_mtime_ns}")
    return make_key(stats)
