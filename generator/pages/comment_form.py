"""The comment form under each post (when `comments.form_url` is set): open, or closed with a line saying so.

What a post page shows of it depends on the settings (in the config fingerprint), the post, the site's form
secret and, when `comments.close_after_days` is set, the clock: `key()` and `inputs()` cover all of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from ..comment_settings import CommentSettings
from ..content.model import Post
from ..serve.form_token import load_secret, make_token, secret_fingerprint


@dataclass(frozen=True)
class FormView:
    """The form as templates see it. `values` and `errors` are empty on post pages; the receiver fills them
    when it sends a form back with a mistake named."""
    action: str
    post: str                 # '/diary/first-day': names the post to the receiver
    post_url: str
    token: str
    open: bool
    honeypot: str
    max_comment_chars: int
    max_field_chars: int
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)


def comments_closed(post: Post, settings: CommentSettings, now: datetime) -> bool:
    """`comments: closed` in the post's front matter, or older than `comments.close_after_days`."""
    if _closed_in_file(post):
        return True
    closing = clock_closes_at(post, settings)
    return closing is not None and now > closing


def clock_closes_at(post: Post, settings: CommentSettings) -> datetime | None:
    """When `comments.close_after_days` closes the post's comments; None when the clock never does."""
    days = settings.close_after_days
    return None if days is None or _closed_in_file(post) else post.date + timedelta(days=days)


def _closed_in_file(post: Post) -> bool:
    return str(post.fields.get("comments", "")).strip().lower() == "closed"


class CommentForms:
    def __init__(self, settings: CommentSettings, secret: str, now: datetime):
        self.settings, self.secret, self.now = settings, secret, now
        self.secret_key = secret_fingerprint(secret)

    @classmethod
    def for_site(cls, site_dir: Path, settings: CommentSettings, now: datetime) -> CommentForms | None:
        """None when the site takes no comments from readers (no form_url): no secret is made then."""
        if not settings.form_url:
            return None
        return cls(settings, load_secret(site_dir), now)

    def view(self, post: Post, values: dict | None = None, errors: dict | None = None,
             token: str | None = None) -> FormView:
        s = self.settings
        return FormView(action=s.form_url, post="/" + post.id, post_url=post.url,
                        token=token if token is not None else make_token(self.secret, post.id, post.date),
                        open=not comments_closed(post, s, self.now), honeypot=s.honeypot,
                        max_comment_chars=s.max_comment_chars, max_field_chars=s.max_field_chars,
                        values=values or {}, errors=errors or {})

    def key(self, post: Post) -> str:
        """What the post page shows of the form beyond the settings and the post's own file: open or closed,
        and the token, which is made from the post's id and date (in its file) and the secret. No token is
        signed here: a build that renders few pages signs few."""
        return f"{not comments_closed(post, self.settings, self.now)}\x1d{self.secret_key}"

    def clock(self, posts: list[Post]) -> tuple[list[str], datetime | None]:
        """For the build's no-change check, in one pass: which posts the clock has closed, and the first moment
        from now on when it closes another (the secret is in the check's settings part, content/inputs.py)."""
        if self.settings.close_after_days is None:
            return [], None
        closed, later = [], []
        for post in posts:
            closing = clock_closes_at(post, self.settings)   # None: closed in its file (the days are set)
            if closing is None or self.now > closing:   # as comments_closed() says
                closed.append("closed\0" + post.id)
            else:
                later.append(closing)
        return closed, min(later, default=None)
