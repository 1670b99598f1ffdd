"""`blog comments serve` as a reader's browser and a spammer meet it: a real waitress process on a built site.

Each refusal has its own test, asserting the status, the reason in the server's log line, and that
comments-pending/ is byte for byte as it was. The accepted comment is followed through `blog comments list`,
`approve` and `build` to the post page and both comment feeds."""

from __future__ import annotations

import re
import socket
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from commentserver import RELAXED, comment_server, form_fields, log_lines, queue, textarea_value
from sitefactory import build, feed, html, make_site, post, run_blog, text

FORM_URL = "https://blog.example.org/comment"


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def comment_site(tmp_path: Path, **settings) -> Path:
    now = datetime.now(timezone.utc)
    files = {
        "content/diary/recent.md": post("Recent post", iso(now - timedelta(days=1)), "Talk to me.\n"),
        "content/diary/other.md": post("Other post", iso(now - timedelta(days=2)), "Another.\n"),
        "content/diary/fresh.md": post("Fresh post", iso(now - timedelta(seconds=10)), "Just out.\n"),
        "content/diary/old.md": post("Old post", "2020-01-01 09:00", "Long ago.\n"),
        "content/diary/shut.md": post("Shut post", iso(now - timedelta(days=1)), "No talking.\n",
                                      comments="closed"),
        "content/diary/unfinished.md": post("Draft", iso(now - timedelta(days=1)), "Not yet.\n", draft=True),
        "content/diary/later.md": post("Later", iso(now + timedelta(days=30)), "Not yet either.\n"),
    }
    comments = {"form_url": FORM_URL, "close_after_days": 30, **RELAXED, "min_seconds": 600, **settings}
    site = make_site(tmp_path, files, {"title": "Talkative", "base_url": "https://blog.example.org/",
                                       "timezone": "Australia/Sydney", "comments": comments})
    build(site)
    return site


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("receiver")
    site = comment_site(tmp)
    with comment_server(site, tmp) as receiver:
        yield site, receiver


def good(site: Path, page: str = "diary/recent.html", **changes) -> dict:
    fields = form_fields(site / "output" / page)
    fields.update({"name": "Jane Reader", "comment": "Thanks for *this*.\n\nSecond paragraph."})
    fields.update(changes)
    return fields


def assert_refused(site, receiver, fields=None, *, status: int, reason: str, raw=None, headers=None,
                   method="POST", path="/comment"):
    before = queue(site)
    if method == "POST":
        got, hdrs, body = receiver.send(fields, raw=raw, headers=headers, path=path)
    else:
        got, hdrs, body = receiver.request(method, path)
    assert got == status, body
    assert queue(site) == before, "comments-pending/ changed"
    if reason:
        time.sleep(0.05)
        assert log_lines(receiver, rf"^\S+ \S+ {status} {method} .*{re.escape(reason)}"), receiver.log_text()
    return hdrs, body


def test_a_reader_s_comment_is_queued_as_moderation_reads_it_and_published_once_approved(tmp_path):
    site = comment_site(tmp_path)
    fields = good(site, website="https://jane.example/", email="jane@example.org",
                  comment="Thanks for *this*.\r\n\r\nSecond paragraph.", date="1999-01-01 00:00",
                  author="Someone Else")
    with comment_server(site, tmp_path) as receiver:
        status, headers, body = receiver.send(fields)
        log = receiver.log_text()
    assert status == 200, body
    assert "waiting for approval" in body and 'href="https://blog.example.org/diary/recent.html"' in body
    files = queue(site)
    assert list(files) == [headers["X-Comment-Id"] + ".md"]
    assert re.fullmatch(r"diary-recent-\d{8}-\d{6}-[0-9a-f]{16}\.md", next(iter(files)))
    text_ = next(iter(files.values())).decode()
    front = yaml.safe_load(text_.split("---\n")[1])
    assert front["post"] == "/diary/recent" and front["author"] == "Jane Reader"
    assert front["url"] == "https://jane.example/" and front["email"] == "jane@example.org"
    assert abs((front["date"] - datetime.now(timezone.utc)).total_seconds()) < 120   # the server's clock
    assert re.search(r"^date: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+1[01]:00$", text_, re.M), "offset of Sydney"
    assert text_.endswith("---\nThanks for *this*.\n\nSecond paragraph.\n")
    assert "Second paragraph" not in log and "jane@example.org" not in log   # never the text or the email
    assert re.search(r" 200 POST /comment client=127\.0\.0\.1 post=/diary/recent$", log, re.M)

    listed = run_blog(site, "comments", "list")
    assert listed.returncode == 0 and headers["X-Comment-Id"] in listed.stdout and not listed.stderr
    approved = run_blog(site, "comments", "approve", headers["X-Comment-Id"])
    assert approved.returncode == 0, approved.stderr
    output = build(site)
    page = html(output / "diary/recent.html")
    comment = page.select_one("section#comments .comment")
    assert "Jane Reader" in text(comment) and comment.find("em").get_text() == "this"
    assert comment.find("a", href="https://jane.example/")
    for path in ("comments/index.rss", "diary/recent.comments.rss"):
        entries = feed(output / path).entries
        assert [e.title for e in entries] == ["Comment on Recent post by Jane Reader"], path
    assert b"jane@example.org" not in b"".join(p.read_bytes() for p in output.rglob("*") if p.is_file())


def test_the_post_page_shows_the_form_or_says_comments_are_closed(served):
    site, _ = served
    recent = html(site / "output/diary/recent.html").select_one("section.comment-form")
    assert recent.find("form")["action"] == FORM_URL and recent.find("form")["method"] == "post"
    for name in ("name", "website", "email", "comment", "post", "token", "topic"):
        assert recent.find(attrs={"name": name}) is not None, name
    assert "never published" in text(recent) and "Markdown" in text(recent)
    for closed in ("shut", "old"):   # comments: closed, and older than close_after_days
        section = html(site / f"output/diary/{closed}.html").select_one("section.comment-form")
        assert section.find("form") is None and "Comments are closed" in text(section)


def test_mistakes_come_back_named_with_everything_typed_filled_in_again(served):
    site, receiver = served
    typed = "My long\nthoughtful comment <b>bold</b> & more"
    fields = good(site, name="", website="javascript:alert(1)", email="not an address", comment=typed)
    _, body = assert_refused(site, receiver, fields, status=400, reason="fields: email, name, website")
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(body, "lxml")
    assert soup.select_one("#error-name") and soup.select_one("#error-website") and soup.select_one("#error-email")
    assert textarea_value(soup.select_one("textarea[name=comment]")) == typed
    assert soup.select_one("input[name=website]")["value"] == "javascript:alert(1)"
    assert soup.select_one("input[name=token]")["value"] == fields["token"]
    assert soup.find("a", href="https://blog.example.org/diary/recent.html")
    empty = good(site, comment="  \n ")
    _, body = assert_refused(site, receiver, empty, status=400, reason="fields: comment")
    assert "The comment is empty" in body
    # Under max_comment_chars, but over comments.max_bytes (4-byte characters): what approve would refuse.
    wide = good(site, comment="\U0001F600" * 5_200)   # 20,800 bytes; 62,400 once form-encoded
    _, body = assert_refused(site, receiver, wide, status=400, reason="fields: comment")
    assert "at most 20,480 bytes" in body


def test_missing_token(served):
    site, receiver = served
    assert_refused(site, receiver, good(site, token=""), status=400, reason="no form token")


def test_tampered_token(served):
    site, receiver = served
    token = good(site)["token"]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert_refused(site, receiver, good(site, token=forged), status=400, reason="bad form token")


def test_token_of_another_post(served):
    site, receiver = served
    fields = good(site, post="/diary/other")   # the token is the one on diary/recent's page
    assert_refused(site, receiver, fields, status=400, reason="form token for another post")


def test_expired_token(served, tmp_path):
    site, receiver = served
    # The page as a build in January 2020 made it, when the post was open: its token is older than 30 days.
    then = build(site, "--now", "2020-01-05 00:00", output=tmp_path / "then")
    fields = form_fields(then / "diary/old.html")
    fields.update(name="Late", comment="Is this still open?")
    assert_refused(site, receiver, fields, status=400, reason="form token expired")


def test_sent_too_fast(served):
    site, receiver = served
    fields = good(site, "diary/fresh.html")   # its token is ten seconds old; min_seconds is 600 here
    _, body = assert_refused(site, receiver, fields, status=400, reason="sent too fast")
    assert "wait a few seconds" in body


def test_honeypot_filled(served):
    site, receiver = served
    assert_refused(site, receiver, good(site, topic="http://spam.example/"), status=400, reason="honeypot")


def test_too_many_links(served):
    site, receiver = served
    links = "See https://a.example/ and [b](https://b.example/) and www.c.example and <a href=x>d</a>"
    _, body = assert_refused(site, receiver, good(site, comment=links), status=400, reason="fields: comment")
    assert "Too many links" in body


def test_oversize_fields(served):
    site, receiver = served
    for name, value, says in (("name", "N" * 201, "Your name is too long"),
                              ("website", "https://x.example/" + "a" * 200, "The address is too long"),
                              ("email", "a" * 200 + "@example.org", "email address is too long"),
                              ("comment", "word " * 2001, "The comment is too long")):
        _, body = assert_refused(site, receiver, good(site, **{name: value}), status=400,
                                 reason=f"fields: {name}")
        assert says in body


def test_oversize_body_is_refused_without_being_read(served):
    site, receiver = served
    assert_refused(site, receiver, raw=b"comment=" + b"x" * 70_000, status=413, reason="body too large")
    # 10 MB announced, 64 KiB sent: the answer comes before the rest is ever sent.
    before = queue(site)
    with socket.create_connection(("127.0.0.1", receiver.port), timeout=30) as sock:
        sock.sendall(b"POST /comment HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 10485760\r\n\r\n" + b"x" * 65536)
        answer = sock.recv(200)
    assert answer.startswith(b"HTTP/1.1 413"), answer
    assert queue(site) == before


def test_unknown_unpublished_and_hostile_post_names(served):
    site, receiver = served
    for ref in ("/diary/nothing", "/diary/unfinished", "/diary/later", "/../config.yaml", "/diary/../../etc/passwd",
                "/static/style", "", "/diary/recent.comments/x", "https://evil.example/diary/recent.html"):
        fields = good(site, post=ref)
        assert_refused(site, receiver, fields, status=400, reason="unknown post")


def test_closed_post(served):
    site, receiver = served
    # A form from before the post was closed: its token is good, the post says comments: closed.
    from generator.pages.comment_form import CommentForms
    from generator.config import load_config
    from generator.content.reader import read_post
    from pathlib import PurePosixPath
    config = load_config(site)
    shut, _ = read_post(PurePosixPath("diary/shut.md"), (site / "content/diary/shut.md").read_bytes(), config.tz)
    forms = CommentForms.for_site(site, config.comments, datetime.now(config.tz))
    fields = good(site, post="/diary/shut", token=forms.view(shut).token)
    assert_refused(site, receiver, fields, status=400, reason="closed")


def test_not_post(served):
    site, receiver = served
    status, _, body = receiver.request("GET")
    assert status == 200 and body.startswith("ok")   # the health check, and nothing else
    for method in ("PUT", "DELETE", "PATCH"):
        hdrs, _ = assert_refused(site, receiver, status=405, reason=f"method {method}", method=method)
        assert hdrs["Allow"] == "GET, HEAD, POST"
    for path in ("/", "/comment/../config.yaml", "/comments-pending/", "/comment.php"):
        assert_refused(site, receiver, good(site), status=404, reason="not here", path=path)
    assert_refused(site, receiver, raw=b'{"a": 1}', headers={"Content-Type": "application/json"}, status=415,
                   reason="not a form")
    assert_refused(site, receiver, raw=b"name=%ff%fe", status=400, reason="the form could not be read")
    # A path made to forge log lines stays on its own line, escaped.
    assert_refused(site, receiver, good(site), status=404, reason="not here",
                   path="/x%0a2026-01-01%2000:00:00%20200%20POST%20/comment%20forged")
    assert not log_lines(receiver, r"^2026-01-01 00:00:00 200 POST /comment forged")
    assert log_lines(receiver, r"404 POST /x\\n2026-01-01 00:00:00 200 POST /comment forged client=")


def test_rate_limit_per_client_and_for_everyone(tmp_path):
    site = comment_site(tmp_path, min_seconds=0, rate_per_client="3/minute", rate_global="5/minute",
                        trusted_proxies=["127.0.0.1"])
    with comment_server(site, tmp_path) as receiver:
        for n in range(3):
            assert receiver.send(good(site, comment=f"number {n}"))[0] == 200
        hdrs, body = assert_refused(site, receiver, good(site, comment="kept for later"), status=429,
                                    reason="rate limit")
        assert 1 <= int(hdrs["Retry-After"]) <= 60 and "again in" in body
        assert "kept for later" in body, "the reader's text comes back to send again"
        # Behind the trusted proxy, another reader is another address, until everyone's limit (5) is met.
        other = {"X-Forwarded-For": "198.51.100.7"}
        assert receiver.send(good(site, comment="from elsewhere"), headers=other)[0] == 200
        assert receiver.send(good(site, comment="from a third"), headers={"X-Forwarded-For": "198.51.100.8"})[0] == 200
        assert_refused(site, receiver, good(site), headers={"X-Forwarded-For": "198.51.100.9"}, status=429,
                       reason="rate limit")
        assert len(queue(site)) == 5


def test_forwarded_for_is_ignored_from_an_untrusted_peer(tmp_path):
    site = comment_site(tmp_path, min_seconds=0, rate_per_client="2/minute")
    with comment_server(site, tmp_path) as receiver:
        for n in range(2):
            assert receiver.send(good(site, comment=f"n{n}"), headers={"X-Forwarded-For": f"203.0.113.{n}"})[0] == 200
        assert_refused(site, receiver, good(site), headers={"X-Forwarded-For": "203.0.113.99"}, status=429,
                       reason="client=127.0.0.1 post=- refused: rate limit")


def test_full_queue_answers_503_until_the_blogger_moderates(tmp_path):
    site = comment_site(tmp_path, min_seconds=0, max_pending=2)
    with comment_server(site, tmp_path) as receiver:
        ids = [receiver.send(good(site, comment=f"c{n}"))[1]["X-Comment-Id"] for n in range(2)]
        hdrs, body = assert_refused(site, receiver, good(site, comment="one too many"), status=503,
                                    reason="queue full")
        assert int(hdrs["Retry-After"]) > 0 and "one too many" in body   # the text is not lost
        assert run_blog(site, "comments", "reject", ids[0]).returncode == 0
        assert receiver.send(good(site, comment="room again"))[0] == 200


def test_queue_bytes_cap(tmp_path):
    site = comment_site(tmp_path, min_seconds=0, max_pending_bytes=2048)
    with comment_server(site, tmp_path) as receiver:
        assert receiver.send(good(site, comment="x" * 1000))[0] == 200
        assert_refused(site, receiver, good(site, comment="y" * 1500), status=503, reason="queue full")
        assert sum(len(b) for b in queue(site).values()) <= 2048
