"""The email to the blogger: a real SMTP server (aiosmtpd) with STARTTLS (a test CA from trustme, trusted by the
receiver through SSL_CERT_FILE) and a login whose password comes from the environment receives one notice per
accepted comment; with the mail server down the comment is queued all the same and the failure is logged."""

from __future__ import annotations

import email
import email.policy
import ssl
import time

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from commentserver import RELAXED, comment_server, form_fields, free_port, queue
from sitefactory import build, make_site, post

PASSWORD = "s3cret-from-env"


class Inbox:
    def __init__(self):
        self.messages = []
        self.logins = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content,
                                                                          policy=email.policy.default)))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode()
        self.logins.append((auth_data.login, ok))
        return AuthResult(success=ok)


def notify_site(tmp_path, port):
    files = {"content/diary/talk.md": post("Let's talk", "2020-01-01 10:00", "Body.\n")}
    settings = {"form_url": "https://blog.example.org/comment", **RELAXED, "notify_email": "me@example.org",
                "notify_from": "blog@example.org", "smtp_host": "127.0.0.1", "smtp_port": port,
                "smtp_user": "blogger", "smtp_password_env": "TEST_SMTP_PASSWORD"}
    site = make_site(tmp_path, files, {"title": "Notified", "comments": settings})
    return site, form_fields(build(site) / "diary/talk.html")


def test_each_accepted_comment_is_mailed_to_the_blogger(tmp_path):
    ca = trustme.CA()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(tls)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=tls, require_starttls=True,
                            authenticator=inbox.authenticate, auth_require_tls=True)
    controller.start()
    names = ("Ann Reader", "Bob <b>Bold</b>", "Eve\r\nBcc: victim@example.org")
    shown = ("Ann Reader", "Bob <b>Bold</b>", "Eve Bcc: victim@example.org")   # one line: no header injection
    try:
        site, form = notify_site(tmp_path, port)
        env = {"TEST_SMTP_PASSWORD": PASSWORD, "SSL_CERT_FILE": str(ca_file)}
        with comment_server(site, tmp_path, env=env) as receiver:
            ids = []
            for name in names:
                status, headers, _ = receiver.send({**form, "name": name, "comment": "text of the comment"})
                assert status == 200
                ids.append(headers["X-Comment-Id"])
            deadline = time.monotonic() + 30
            while len(inbox.messages) < len(names) and time.monotonic() < deadline:
                time.sleep(0.1)
            log = receiver.log_text()
    finally:
        controller.stop()
    assert len(inbox.messages) == len(names), log
    assert inbox.logins and all(ok for _, ok in inbox.logins)
    for (rcpt, msg), comment_id, name in zip(inbox.messages, ids, shown):
        assert rcpt == ["me@example.org"] and msg["From"] == "blog@example.org" and msg["Bcc"] is None
        assert msg["Subject"] == f"[Notified] comment by {name} on Let's talk"
        body = msg.get_content()
        assert f"blog comments approve {comment_id}" in body and "Let's talk" in body and name in body
        assert "text of the comment" not in body
    assert f"notice for {ids[0]} sent to me@example.org" in log


def test_with_the_mail_server_down_the_comment_is_still_queued(tmp_path):
    site, form = notify_site(tmp_path, free_port())   # nothing listens there
    with comment_server(site, tmp_path, env={"TEST_SMTP_PASSWORD": PASSWORD}) as receiver:
        status, headers, body = receiver.send({**form, "name": "Cy", "comment": "Still here?"})
        assert status == 200 and "waiting for approval" in body
        deadline = time.monotonic() + 30
        while "not sent" not in receiver.log_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        log = receiver.log_text()
    assert f"notice for {headers['X-Comment-Id']} not sent (ConnectionRefusedError" in log
    assert list(queue(site)) == [headers["X-Comment-Id"] + ".md"]
