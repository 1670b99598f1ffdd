"""The comment form's signed token (itsdangerous): which post the form is for, and when the form was made.

The secret is a file beside config.yaml (SECRET_NAME), made on first use and readable by its owner only. It is
never under content/, so no build copies it to output/.

The time in a post page's token is the post's own date, not the build's: the same post gives the same token
on every build, so a cron rebuild leaves every post page byte for byte as it was. A page the receiver serves
(a form sent back with a mistake named) keeps the token it was sent."""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime, timezone
from pathlib import Path

from itsdangerous import BadSignature, TimestampSigner

from ..errors import BlogError

SECRET_NAME = "comment-form.secret"
_SALT = "blog comment form"


class _SignedAt(TimestampSigner):
    """A TimestampSigner that signs with a given time instead of the clock's."""

    def __init__(self, secret: str, at: int):
        super().__init__(secret, salt=_SALT, digest_method=hashlib.sha256)
        self._at = at

    def get_timestamp(self) -> int:
        return self._at


def load_secret(site_dir: Path) -> str:
    """The site's form secret; made now (atomically, mode 0600) if there is none yet."""
    path = site_dir / SECRET_NAME
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    temp = site_dir / f".{SECRET_NAME}.{secrets.token_hex(8)}"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        raise BlogError(f"cannot make the comment form's secret here ({e.strerror}); the site's folder must "
                        "be writable once, or create the file yourself", path) from None
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(32) + "\n")
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(temp, path)       # fails if another process made it first: theirs wins, for both of us
    except FileExistsError:
        pass
    finally:
        temp.unlink()
    return _read(path)


def _read(path: Path) -> str:
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except (PermissionError, UnicodeDecodeError) as e:
        raise BlogError(f"the comment form's secret cannot be read ({e}); delete the file and it is made anew",
                        path) from None
    if len(secret) < 16:
        raise BlogError("the comment form's secret is too short; delete the file and it is made anew", path)
    return secret


def secret_fingerprint(secret: str) -> str:
    """Changes when the secret does, says nothing about it (build keys are stored in output/'s manifest)."""
    return hashlib.blake2b(secret.encode(), digest_size=16, person=b"blog-form-key").hexdigest()


def make_token(secret: str, post_id: str, at: datetime) -> str:
    return _SignedAt(secret, int(at.timestamp())).sign(post_id.encode("utf-8")).decode("ascii")


def check_token(secret: str, token: str, post_id: str, now: datetime, min_seconds: int,
                max_age_days: int | None) -> str | None:
    """None if the token is good for this post now, else the reason it is refused."""
    if not token:
        return "no form token"
    try:
        value, signed_at = TimestampSigner(secret, salt=_SALT, digest_method=hashlib.sha256).unsign(
            token.encode("utf-8", "replace"), return_timestamp=True)
    except (BadSignature, ValueError):
        return "bad form token"
    if value != post_id.encode("utf-8"):
        return "form token for another post"
    age = (now.astimezone(timezone.utc) - signed_at).total_seconds()
    if age < min_seconds:
        return "sent too fast"
    if max_age_days is not None and age > max_age_days * 86400:
        return "form token expired"
    return None
