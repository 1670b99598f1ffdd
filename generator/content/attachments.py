"""Files beside posts (`cover.png` next to `live-free-or-die.md`): one record each, its hash and, for an image,
the size it is shown at, read from the file's header with Pillow (EXIF rotation applied, as browsers do)."""

from __future__ import annotations

import hashlib

from .model import Attachment

# Read with Pillow for their size; anything else is published as it is, with no size.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
# EXIF orientations that turn the picture a quarter: width and height swap places.
_QUARTER_TURNS = {5, 6, 7, 8}


def is_published_name(name: str) -> bool:
    """Editors' backups and autosaves (`post.md~`, `#post.md#`) are never published."""
    return not (name.endswith("~") or (name.startswith("#") and name.endswith("#")))


def read_attachment(rel: str, path: str) -> Attachment:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    width = height = 0
    kind = ""
    if rel.lower().endswith(IMAGE_SUFFIXES):
        width, height, kind = image_size(path)
    return Attachment(id=rel, source_hash=h.hexdigest(), width=width, height=height, format=kind)


def image_size(path: str) -> tuple[int, int, str]:
    """(width, height, format) as shown, from the header only; (0, 0, '') when Pillow cannot read it."""
    from PIL import Image   # here: a build with no image never loads Pillow

    try:
        with Image.open(path) as img:
            width, height = img.size
            orientation = img.getexif().get(0x0112) if img.format in ("JPEG", "WEBP", "PNG", "TIFF") else None
            if orientation in _QUARTER_TURNS:
                width, height = height, width
            return width, height, img.format or ""
    except Exception:  # noqa: BLE001 - any file Pillow cannot read is simply not an image to us
        return 0, 0, ""
