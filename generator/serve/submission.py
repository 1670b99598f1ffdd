"""One posted form: its fields read from the request body, and the mistakes a reader can fix, named by field.

Everything here is a stranger's text. It is kept as typed (only line ends made Unix ones); the build cleans
what it shows, and moderation prints it through plain_text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from ..comment_settings import CommentSettings
from ..render.sanitize import plain_text, safe_url
from .abuse import count_links

FIELDS = ("post", "token", "name", "website", "email", "comment")
_MAX_FIELDS = 20
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")


class BadForm(Exception):
    """The body is not a form we can read (not UTF-8, too many fields): refused without naming a field."""


@dataclass(frozen=True)
class Submission:
    post: str
    token: str
    name: str
    website: str
    email: str
    comment: str
    honeypot: str

    def values(self) -> dict:
        """What the reader typed, to fill the form in again."""
        return {"name": self.name, "website": self.website, "email": self.email, "comment": self.comment}


def parse(body: bytes, honeypot: str) -> Submission:
    try:
        text = body.decode("utf-8")
        fields = parse_qs(text, keep_blank_values=True, max_num_fields=_MAX_FIELDS, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise BadForm("the form could not be read") from None
    first = {key: values[0] for key, values in fields.items()}
    get = lambda key: first.get(key, "")   # noqa: E731
    return Submission(post=get("post").strip(), token=get("token").strip(), name=get("name").strip(),
                      website=get("website").strip(), email=get("email").strip(),
                      comment=get("comment").replace("\r\n", "\n").replace("\r", "\n"),
                      honeypot=get(honeypot))


def mistakes(sub: Submission, s: CommentSettings) -> dict[str, str]:
    """{field: what is wrong with it}; empty when the comment may be queued."""
    errors = {}
    if not plain_text(sub.name):
        errors["name"] = "Please give your name."
    elif len(sub.name) > s.max_field_chars:
        errors["name"] = f"Your name is too long: at most {s.max_field_chars} characters."
    if sub.website:
        if len(sub.website) > s.max_field_chars:
            errors["website"] = f"The address is too long: at most {s.max_field_chars} characters."
        elif not safe_url(sub.website) or not urlsplit(sub.website).netloc:
            errors["website"] = "Your website must be an http:// or https:// address, or left empty."
    if sub.email:
        if len(sub.email) > s.max_field_chars:
            errors["email"] = f"The email address is too long: at most {s.max_field_chars} characters."
        elif not _EMAIL.match(sub.email):
            errors["email"] = "This does not look like an email address; it is optional, so it can be left empty."
    if not sub.comment.strip():
        errors["comment"] = "The comment is empty."
    elif len(sub.comment) > s.max_comment_chars:
        errors["comment"] = (f"The comment is too long: {len(sub.comment):,} characters, "
                             f"at most {s.max_comment_chars:,}.")
    elif len(sub.comment.encode("utf-8", "surrogatepass")) > s.max_bytes:
        # What the build would publish as plain text, and approve would refuse: better said to the reader now.
        errors["comment"] = f"The comment is too long: at most {s.max_bytes:,} bytes."
    elif count_links(sub.comment) > s.max_links:
        errors["comment"] = f"Too many links: at most {s.max_links} in one comment."
    return errors
