"""`blog comments serve`: the WSGI application that takes readers' comments and queues them for moderation.

It answers POST on the path of `comments.form_url` and GET there as a health check; anything else is 404 or
405. It writes only new files in comments-pending/ (pending_queue.py) and never builds the site. Each request
is one log line (status, post, why it was refused): never the comment's text or the sender's email.

Refusals, cheapest first: a body over max_request_bytes (413, not read), an unreadable form, rate limits (429,
counted before the body is read; the form is sent back filled in), the honeypot, an unknown post, the form
token, a closed post (400), the reader's own mistakes (400, with the form filled in again), a full queue (503)."""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from ..config import load_config
from ..content.model import Post, is_published
from ..content.reader import POST_SUFFIXES, read_post
from ..errors import BlogError
from ..moderation import PENDING_DIR, resolve_post
from ..pages.comment_form import CommentForms, comments_closed
from ..render.theme import make_environment, template_dirs
from .abuse import ClientAddress, RateLimits
from .form_token import check_token, load_secret
from .notify import Notifier
from ..content.create import comment_text
from .pending_queue import PendingQueue
from .submission import BadForm, mistakes, parse

log = logging.getLogger("blog.comments")
_HTML = "text/html; charset=utf-8"
_FULL_RETRY = 3600   # a full queue waits for the blogger: ask again in an hour
# The answer pages load the theme's CSS and nothing else: no script, no frames.
_SECURITY = [("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store"),
             ("Content-Security-Policy", "default-src 'self'; script-src 'none'; frame-ancestors 'none'"),
             ("Referrer-Policy", "same-origin")]


@dataclass
class Answer:
    status: str
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: list = field(default_factory=list)
    post: str = "-"
    reason: str = ""


class CommentReceiver:
    def __init__(self, site_dir: Path, clock=None):
        site_dir = Path(site_dir).resolve()
        config = load_config(site_dir)
        s = config.comments
        if not s.form_url:
            raise BlogError("comments.form_url is not set, so no page has a comment form; set it to the "
                            "address this receiver answers (https://blog.example.org/comment)",
                            site_dir / "config.yaml")
        self.site_dir, self.config, self.settings = site_dir, config, s
        self.clock = clock or (lambda: datetime.now(config.tz))
        self.secret = load_secret(site_dir)
        self.path = s.form_path
        self.queue = PendingQueue(site_dir / PENDING_DIR, s.max_pending, s.max_pending_bytes)
        self.client_of = ClientAddress(s.trusted_proxies)
        self.limits = RateLimits(s.rate_per_client, s.rate_global)
        self.env = make_environment(template_dirs(site_dir, config), config)
        self.notifier = Notifier(s, config.title) if s.notify_email else None

    # -- WSGI ---------------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        client = self.client_of(environ)
        try:
            answer = self.answer(environ, method, path, client)
        except Exception:   # noqa: BLE001 - a stranger's request never stops the server; the log says why
            log.error("500 %s %s client=%s: %s", _loggable(method), _loggable(path), client,
                      traceback.format_exc().replace("\n", " | "))
            answer = Answer("500 Internal Server Error", b"The comment could not be taken; please try later.\n",
                            reason="server error")
        log.info("%s %s %s client=%s post=%s%s", answer.status.split()[0], _loggable(method), _loggable(path),
                 client, answer.post,
                 f" refused: {answer.reason}" if answer.reason else "")
        headers = [("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body))),
                   *_SECURITY, *answer.headers]
        start_response(answer.status, headers)
        return [b"" if method == "HEAD" else answer.body]

    def answer(self, environ, method: str, path: str, client: str) -> Answer:
        if path.rstrip("/") != self.path.rstrip("/"):
            return Answer("404 Not Found", b"Not found: this server only takes comments.\n", reason="not here")
        if method in ("GET", "HEAD"):
            return Answer("200 OK", b"ok: taking comments\n")
        if method != "POST":
            return Answer("405 Method Not Allowed", b"Comments are sent with POST.\n",
                          headers=[("Allow", "GET, HEAD, POST")], reason=f"method {_loggable(method)[:20]}")
        wait = self.limits.retry_after(client)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > self.settings.max_request_bytes:
            return self.page("413 Content Too Large", "This comment is far too long to be sent.",
                             reason="body too large")
        if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            return self.page("415 Unsupported Media Type", "Please send the comment with the form under the post.",
                             reason="not a form")
        try:
            sub = parse(environ["wsgi.input"].read(length), self.settings.honeypot)
        except BadForm as e:
            return self.page("400 Bad Request", f"The comment could not be read ({e}).", reason=str(e))
        if wait is not None:
            return self.too_many(sub, wait)
        return self.take(sub)

    def too_many(self, sub, wait: int) -> Answer:
        """429, with the reader's text in the form to send again later (a person who waits loses nothing)."""
        post = None if sub.honeypot else self.published_post(sub.post)
        form = None
        if post is not None:
            form = CommentForms(self.settings, self.secret, self.clock()).view(
                post, values=sub.values(), token=sub.token)
        return self.page("429 Too Many Requests", "Too many comments have been sent just now; please "
                         f"send yours again in {wait} seconds.", post=post, form=form, reason="rate limit",
                         headers=[("Retry-After", str(wait))])

    def take(self, sub) -> Answer:
        if sub.honeypot:
            return self.page("400 Bad Request", "The comment was not accepted.", reason="honeypot")
        post = self.published_post(sub.post)
        if post is None:
            return self.page("400 Bad Request", "There is no such post to comment on.", reason="unknown post")
        now = self.clock()
        forms = CommentForms(self.settings, self.secret, now)
        refill = lambda errors: forms.view(post, values=sub.values(), errors=errors, token=sub.token)  # noqa
        ref = "/" + post.id
        problem = check_token(self.secret, sub.token, post.id, now, self.settings.min_seconds,
                              self.settings.close_after_days)
        if problem:
            text = ("That was quicker than anyone can write: please wait a few seconds and send it again."
                    if problem == "sent too fast" else
                    "This form is out of date; reload the post, then send your comment again (it is below, "
                    "so nothing is lost).")
            return self.page("400 Bad Request", text, post=post, form=refill({}), reason=problem, ref=ref)
        if comments_closed(post, self.settings, now):
            return self.page("400 Bad Request", "Comments are closed for this post.", post=post,
                             reason="closed", ref=ref)
        errors = mistakes(sub, self.settings)
        if errors:
            return self.page("400 Bad Request", "Please correct what is marked below; nothing was lost.",
                             post=post, form=refill(errors), reason="fields: " + ", ".join(sorted(errors)),
                             ref=ref)
        when = now.astimezone(self.config.tz).replace(microsecond=0)
        text = comment_text(sub.name, when, sub.website, sub.email, sub.comment, post_id=post.id)
        path = self.queue.add(post.id, when, text)
        if path is None:
            return self.page("503 Service Unavailable", "Too many comments are waiting for approval just now; "
                             "please try again later.", post=post, form=refill({}), reason="queue full",
                             ref=ref, headers=[("Retry-After", str(_FULL_RETRY))])
        if self.notifier:
            self.notifier.comment_waiting(path.stem, post.title, self.config.link(post.url), sub.name)
        answer = self.page("200 OK", "", post=post, ref=ref, outcome="waiting")
        answer.reason = ""
        answer.headers.append(("X-Comment-Id", path.stem))
        return answer

    # -- helpers ------------------------------------------------------------------------------------------
    def published_post(self, ref: str) -> Post | None:
        """The post a form names, if the site publishes it now (read from content/, as the cron build will)."""
        if not ref or len(ref) > 500:
            return None
        try:
            post_id = resolve_post(self.site_dir, self.config, ref)
            for suffix in POST_SUFFIXES:
                source = self.site_dir / "content" / (post_id + suffix)
                if source.is_file():
                    post, _ = read_post(PurePosixPath(post_id + suffix), source.read_bytes(), self.config.tz)
                    return post if is_published(post, self.clock()) else None
        except (BlogError, OSError):
            return None
        return None

    def page(self, status: str, problem: str, *, post: Post | None = None, form=None, reason: str = "",
             ref: str = "-", outcome: str = "problem", headers: list | None = None) -> Answer:
        html = self.env.get_template("comment_response.html").render({
            "title": "Comment waiting for approval" if outcome == "waiting" else "Comment not sent",
            "outcome": outcome, "problem": problem, "post_title": post.title if post else "",
            "post_url": post.url if post else "", "comment_form": form, "feeds": [], "canonical": None,
        })
        return Answer(status, html.encode("utf-8"), _HTML, headers or [], post=ref, reason=reason or "")


def _loggable(text: str) -> str:
    """A stranger's method or path on one log line: escapes for anything unprintable, and not too long."""
    return text.encode("unicode_escape").decode("ascii")[:200]
