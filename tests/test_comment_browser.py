"""A reader comments in real Chromium, with JavaScript on and off: the example blog served by `blog serve`,
the form posting to `blog comments serve` (waitress) in another process, the blogger's moderation loop after.

A first try with a website that is not http(s) comes back with the mistake named beside the field and the
text still there; the second try says the comment waits for approval. Then `blog comments list` shows it,
`approve` and `build` publish it: on the post page and in both comment feeds."""

from __future__ import annotations

import re
import shutil
import uuid

import pytest
import yaml

from commentserver import RELAXED, comment_server, free_port, queue
from sitefactory import REPO, feed, html, run_blog, text
from test_serve_browser import SLOW_MS, blog_serve, chromium  # noqa: F401  (chromium is a fixture)

POSTS = {True: "/book/John_Ringo/citadel.html", False: "/diary/home-again.html"}


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_a_reader_comments_in_chromium_and_the_blogger_publishes_it(tmp_path, chromium, javascript):  # noqa: F811
    from playwright.sync_api import expect

    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    port = free_port()
    config["comments"] = {"form_url": f"http://127.0.0.1:{port}/comment", **RELAXED}
    (site / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    words = f"I read this with JavaScript {'on' if javascript else 'off'}: *really* good. {uuid.uuid4().hex}"
    post_url = POSTS[javascript]

    with comment_server(site, tmp_path, port=port) as receiver, blog_serve(site, tmp_path) as served:
        context = chromium.new_context(java_script_enabled=javascript)
        page = context.new_page()
        page.set_default_timeout(SLOW_MS)
        page.goto(served.url + post_url)
        page.fill("#comment-name", "Rosa Reader")
        page.fill("#comment-website", "ftp://rosa.example/")
        page.fill("#comment-email", "rosa@example.org")
        page.fill("#comment-text", words)
        page.click("button[type=submit]")

        # The mistake, named beside its field; everything typed is still there.
        expect(page.locator("#error-website")).to_contain_text("http:// or https://")
        expect(page.locator("#comment-text")).to_have_value(words)
        expect(page.locator("#comment-name")).to_have_value("Rosa Reader")
        expect(page.locator("#comment-email")).to_have_value("rosa@example.org")
        assert queue(site) == {}
        page.fill("#comment-website", "https://rosa.example/")
        page.click("button[type=submit]")
        expect(page.locator(".comment-waiting")).to_contain_text("waiting for approval")
        back = page.locator(".comment-back a")
        assert back.get_attribute("href") == "https://blog.example.org" + post_url
        page.screenshot(path=tmp_path / "waiting.png", full_page=True)
        context.close()
        log = receiver.log_text()

    assert re.search(r" 400 POST /comment .* refused: fields: website$", log, re.M)
    listed = run_blog(site, "comments", "list")
    assert listed.returncode == 0 and "Rosa Reader" in listed.stdout, listed.stderr
    (name,) = queue(site)
    assert run_blog(site, "comments", "approve", name[:-3]).returncode == 0
    result = run_blog(site, "build")
    assert result.returncode == 0, result.stderr
    output = site / "output"
    comment = html(output / post_url.lstrip("/")).select("section#comments .comment")[-1]
    assert "Rosa Reader" in text(comment) and comment.find("em").get_text() == "really"
    assert comment.find("a", href="https://rosa.example/")
    feed_of_post = post_url.replace(".html", ".comments.rss").lstrip("/")
    for path in ("comments/index.rss", feed_of_post):
        assert any("Rosa Reader" in e.title and words.split("*")[0] in e.description
                   for e in feed(output / path).entries), path
