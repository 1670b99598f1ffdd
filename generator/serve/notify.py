"""The email to the blogger for each accepted comment (comments.notify_email): the post, the author and the
command that approves it. Sent by a thread of its own, so a slow or dead mail server never holds up a reader;
a failure is logged, and the comment is already safe in the queue."""

from __future__ import annotations

import logging
import os
import queue
import smtplib
import ssl
import threading
from email.message import EmailMessage

from ..comment_settings import CommentSettings
from ..render.sanitize import plain_text

log = logging.getLogger("blog.comments")
_BACKLOG = 100   # notices waiting for the mail server; more are dropped (and logged), never the comments


class Notifier:
    def __init__(self, settings: CommentSettings, site_title: str):
        self.settings, self.site_title = settings, site_title
        self._queue: queue.Queue = queue.Queue(maxsize=_BACKLOG)
        threading.Thread(target=self._run, name="comment-notices", daemon=True).start()

    def comment_waiting(self, comment_id: str, post_title: str, post_url: str, author: str) -> None:
        s = self.settings
        msg = EmailMessage()
        # The author's name is a stranger's text: one line, no control characters (no header injection).
        who = plain_text(author)[:100]
        msg["Subject"] = plain_text(f"[{self.site_title}] comment by {who} on {post_title}")[:200]
        msg["From"] = s.notify_from or s.notify_email
        msg["To"] = s.notify_email
        msg.set_content(
            f"{who} commented on \"{plain_text(post_title)}\" ({post_url}).\n\n"
            f"It is waiting in comments-pending/{comment_id}.md. In the site's folder:\n\n"
            f"  blog comments list\n  blog comments approve {comment_id}\n  blog comments reject {comment_id}\n")
        try:
            self._queue.put_nowait((comment_id, msg))
        except queue.Full:
            log.warning("notice for %s not sent: %d notices already wait for the mail server",
                        comment_id, _BACKLOG)

    def _run(self) -> None:
        while True:
            comment_id, msg = self._queue.get()
            try:
                self._send(msg)
                log.info("notice for %s sent to %s", comment_id, self.settings.notify_email)
            except (OSError, smtplib.SMTPException) as e:
                log.error("notice for %s not sent (%s: %s); the comment is queued all the same",
                          comment_id, type(e).__name__, e)
            finally:
                self._queue.task_done()

    def wait(self) -> None:
        """Until every notice so far was sent or given up (for a clean stop)."""
        self._queue.join()

    def _send(self, msg: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=20) as smtp:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())   # the server's certificate is checked
            if s.smtp_user:
                smtp.login(s.smtp_user, os.environ.get(s.smtp_password_env, ""))
            smtp.send_message(msg)
