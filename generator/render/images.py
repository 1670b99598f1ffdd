"""Pictures beside posts as pages show them: the size they are published at, the narrower copy for phones, and
the resized bytes themselves (made once with Pillow, kept in .blog-cache/images/ by the original's hash)."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from importlib.metadata import version
from pathlib import Path

from ..content.model import Attachment
from ..errors import BlogError

PHONE_WIDTH = 640          # the one smaller width offered in srcset, for phones
JPEG_QUALITY = 85
RESIZABLE = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}   # an animated GIF would lose its animation
CACHE_FOLDER = "images"

# Changes whenever the bytes or sizes made for the same picture could: part of the build's keys.
IMAGES_FINGERPRINT = hashlib.blake2b(repr((version("pillow"), PHONE_WIDTH, JPEG_QUALITY, sorted(RESIZABLE),
                                           "images 1")).encode(), digest_size=8).hexdigest()


def _scaled(att: Attachment, width: int) -> tuple[int, int]:
    return width, max(1, round(att.height * width / att.width))


def published_size(att: Attachment, max_width: int | None) -> tuple[int, int]:
    """The size of the file published at the picture's own path: no wider than `max_width` where Pillow
    can resize it."""
    if max_width and att.width > max_width and att.format in RESIZABLE:
        return _scaled(att, max_width)
    return att.width, att.height


def phone_copy(att: Attachment, max_width: int | None) -> tuple[str, int, int] | None:
    """(path under output/, width, height) of the narrow copy for phones: only with `images.max_width` set,
    for a picture wider than PHONE_WIDTH that Pillow can resize."""
    if not max_width or att.format not in RESIZABLE or published_size(att, max_width)[0] <= PHONE_WIDTH:
        return None
    stem, dot, ext = att.id.rpartition(".")
    return f"{stem}.{PHONE_WIDTH}w.{ext}", *_scaled(att, PHONE_WIDTH)


def image_attrs(att: Attachment | None, url: str, max_width: int | None) -> dict[str, str]:
    """The attributes an <img> of this picture gets: its size, and a srcset where there is a phone copy.
    `url` is the picture's site-relative URL as the post wrote it, resolved."""
    if att is None or not att.width:
        return {}
    width, height = published_size(att, max_width)
    attrs = {"width": str(width), "height": str(height)}
    phone = phone_copy(att, max_width)
    if phone:
        phone_url = url.rsplit("/", 1)[0] + "/" + phone[0].rsplit("/", 1)[-1]
        attrs["srcset"] = f"{phone_url} {phone[1]}w, {url} {width}w"
        attrs["sizes"] = f"(max-width: {PHONE_WIDTH}px) 100vw, {width}px"
    return attrs


def resized_bytes(source: Path, att: Attachment, width: int, cache_dir: Path) -> bytes:
    """The picture `width` wide, from the cache when it was made before; else made and kept there."""
    kept = cache_dir / CACHE_FOLDER / kept_name(att, width)
    try:
        return kept.read_bytes()
    except OSError:
        pass
    data = _resize(source, att, width)
    kept.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=kept.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, kept)   # whole or not at all: two workers may make the same copy
    return data


def _resize(source: Path, att: Attachment, width: int) -> bytes:
    from PIL import Image, ImageOps

    try:
        with Image.open(source) as img:
            if img.format == "JPEG":
                # Decode at 1/2, 1/4 or 1/8 scale where that is still no smaller than the copy: a big photo then
                # decodes many times faster, and LANCZOS does the rest.
                target = _scaled(att, width)
                img.draft(None, target if img.size == (att.width, att.height) else target[::-1])   # turned a quarter?
            if img.getexif().get(0x0112, 1) != 1:
                img = ImageOps.exif_transpose(img)   # upright; the copy keeps no EXIF (no GPS either)
            if img.mode not in ("RGB", "RGBA", "L", "LA"):
                img = img.convert("RGBA" if "transparency" in img.info or img.mode.endswith("A") else "RGB")
            if att.format == "JPEG" and img.mode not in ("RGB", "L"):
                img = img.convert("RGB")
            # reducing_gap: a big shrink first halves the picture by whole steps, then LANCZOS: much faster on
            # photos from a camera, and Pillow's documentation says the difference cannot be seen.
            img = img.resize(_scaled(att, width), Image.Resampling.LANCZOS, reducing_gap=3.0)
            out = io.BytesIO()
            options = {"quality": JPEG_QUALITY, "optimize": True} if att.format != "PNG" else {"optimize": True}
            img.save(out, att.format, **options)
            return out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError) as e:
        raise BlogError(f"cannot make a {width} px copy of this picture ({e}); replace the file with one "
                        "that opens, or remove it", att.source) from None


def prune(cache_dir: Path, wanted: set[str]) -> None:
    """Forget resized copies no picture of this build uses, so the cache does not grow for ever."""
    folder = cache_dir / CACHE_FOLDER
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name not in wanted:
            (folder / name).unlink(missing_ok=True)


def kept_name(att: Attachment, width: int) -> str:
    return f"{att.source_hash}-{width}-{IMAGES_FINGERPRINT}{RESIZABLE[att.format]}"
