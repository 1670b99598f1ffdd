"""output/.blog-manifest.json: every file the generator wrote there, with the key it was made from and its size,
and the key of the inputs of the build that wrote it (the no-change check). Read, checked and written here; only
the writer (writer.py) puts it in place.

While a build replaces files, output/.blog-manifest-pending.json lists them: a build stopped before its manifest
is in place leaves it, and the next build trusts none of their entries (each such file may be the old bytes or
the new). A short list written instead of the whole manifest a second time (24 MB at 100,000 posts)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import orjson

from .plan import MANIFEST, PENDING, manifest_path_ok


def read_manifest(output: Path, warn, written: bytes | None = None) -> tuple[dict[str, list], str | None, bytes]:
    """(path -> [key, size], the last build's inputs key, the digest of the file); nothing when there is none or
    it cannot be trusted. `written`: the digest of the manifest the last build wrote (kept in the cache): a file
    with that digest is the one blog wrote, and its 272,000 paths (at 100,000 posts) need no checking again."""
    files, inputs, digest = _read_files(output, warn, written)
    suspect = pending_paths(output)
    # Made again, whatever their key says; a file the stopped build added is blog's too, though the manifest
    # it did not live to write would have been the first to list it (on a first build, there is none yet).
    for path in list(files) if suspect is None else filter(manifest_path_ok, suspect):
        files[path] = ["", -1]
    return files, inputs, digest


def _read_files(output: Path, warn, written: bytes | None) -> tuple[dict[str, list], str | None, bytes]:
    try:
        raw = (output / MANIFEST).read_bytes()
        digest = manifest_digest(raw)
        data = orjson.loads(raw)
        files = data.get("files", {})
        inputs = data.get("inputs")
        if not isinstance(files, dict):
            raise ValueError("no files")
    except (OSError, ValueError, AttributeError):
        return {}, None, b""
    bad = None if digest == written else next((p for p in files if not manifest_path_ok(p)), None)
    if bad is not None:
        # Edited, or written by something else: trusting it could remove files anywhere.
        warn(f"warning: {output / MANIFEST}: lists {bad!r}, which is not a file inside the output folder; "
             "ignored (as on a first build)")
        return {}, None, b""
    return {p: v for p, v in files.items() if isinstance(v, list) and len(v) == 2}, inputs, digest


def pending_paths(output: Path) -> list[str] | None:
    """The files a stopped build was replacing ([] when none was stopped); None when the list is there but
    cannot be read, and so no entry can be trusted."""
    try:
        data = orjson.loads((output / PENDING).read_bytes())
    except FileNotFoundError:
        return []
    except (OSError, ValueError):
        return None
    paths = data.get("paths") if isinstance(data, dict) else None
    return paths if isinstance(paths, list) and all(isinstance(p, str) for p in paths) else None


def pending_bytes(paths: list[str]) -> bytes:
    return orjson.dumps({"version": 1, "paths": paths})


def manifest_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def manifest_bytes(files: dict, inputs: str | None) -> bytes:
    # orjson, not json: a big blog's manifest has hundreds of thousands of entries, written on every build that
    # changes a file (0.3 s at 100,000 posts with json's C encoder, 0.02 s with orjson). Compact, UTF-8.
    return orjson.dumps({"version": 1, "inputs": inputs, "files": files})


def damaged_files(output: Path, files: dict[str, list]) -> set[str]:
    """The files a build wrote that are gone, of another size, or left half-replaced by a build that was stopped
    (recorded with no key)."""
    prefix = str(output) + "/"   # joined by hand: os.path.join costs more than the stat, 300,000 times
    return {path for path, (key, size) in files.items() if not key or file_size(prefix + path) != size}


def file_size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return -1
