"""The comment form on built pages: config checked key by key, the secret made once and never published,
rebuilds byte-identical (the token is stable), and the form closing with the clock in incremental builds."""

from __future__ import annotations

import os
import shutil
import stat

import pytest

from generator.config import config_from_mapping
from generator.errors import BlogError
from generator.serve.form_token import SECRET_NAME
from sitefactory import build, html, make_site, post, run_blog, text

FORM = {"form_url": "https://blog.example.org/comment"}
POSTS = {
    "content/diary/first.md": post("First", "2014-02-01 10:00", "One.\n"),
    "content/diary/second.md": post("Second", "2014-03-01 10:00", "Two.\n"),
    "content/book/shut.md": post("Shut", "2014-03-02 10:00", "No comments.\n", comments="closed"),
}


def tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("key, value, message", [
    ("form_url", "ftp://x/comment", "'comments.form_url' must be an http:// or https:// address"),
    ("close_after_days", 0, "'comments.close_after_days' must be a whole number of 1 or more"),
    ("honeypot", "name", "'comments.honeypot' must be a field name"),
    ("max_links", "three", "'comments.max_links' must be a whole number of 0 or more"),
    ("rate_per_client", "lots", "'comments.rate_per_client' must be a rate"),
    ("trusted_proxies", ["nginx"], "'comments.trusted_proxies': 'nginx' is not an IP address"),
    ("smtp_starttls", "yes", "'comments.smtp_starttls' must be true or false"),
    ("formurl", "https://x/", "unknown config key 'comments.formurl'; the keys are: close_after_days,"),
])
def test_each_comments_key_is_checked_on_its_own_and_an_unknown_one_is_named(key, value, message):
    with pytest.raises(BlogError) as e:
        config_from_mapping({"comments": {**FORM, key: value}}, "config.yaml")
    assert message in str(e.value) and str(e.value).startswith("config.yaml: ")


def test_a_bad_comments_key_is_one_line_from_the_cli(tmp_path):
    site = make_site(tmp_path, POSTS, {"comments": {"form_url": "https://x/c", "max_pendng": 3}})
    result = run_blog(site, "build")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "'comments.max_pendng'" in result.stderr


def test_without_form_url_there_is_no_form_and_no_secret(tmp_path):
    site = make_site(tmp_path, POSTS, {})
    output = build(site)
    assert html(output / "diary/first.html").select_one("section.comment-form") is None
    assert not (site / SECRET_NAME).exists()
    result = run_blog(site, "comments", "serve")
    assert result.returncode == 1 and "comments.form_url is not set" in result.stderr


def test_the_form_is_on_every_open_post_and_rebuilds_are_byte_identical(tmp_path):
    site = make_site(tmp_path, POSTS, {"base_url": "https://blog.example.org/", "comments": FORM})
    output = build(site)
    secret = (site / SECRET_NAME).read_bytes()
    assert stat.S_IMODE(os.stat(site / SECRET_NAME).st_mode) == 0o600
    first = tree(output)
    for page in ("diary/first.html", "diary/second.html"):
        form = html(output / page).select_one("section.comment-form form")
        assert form["action"] == FORM["form_url"] and form.find("input", attrs={"name": "token"})["value"]
    shut = html(output / "book/shut.html").select_one("section.comment-form")
    assert shut.find("form") is None and "Comments are closed" in text(shut)
    tokens = {html(output / p).find("input", attrs={"name": "token"})["value"]
              for p in ("diary/first.html", "diary/second.html")}
    assert len(tokens) == 2, "one token per post"

    # The secret is never published, in a file or in a page.
    assert SECRET_NAME not in " ".join(first) and not any(secret.strip() in data for data in first.values())

    # A rebuild (later: another clock) changes nothing; a fresh build elsewhere, same secret, is identical.
    mtimes = {p: (output / p).stat().st_mtime_ns for p in first}
    result = run_blog(site, "build", "--now", "2030-01-01 00:00")
    assert "0 files written" in result.stdout, result.stdout
    assert {p: (output / p).stat().st_mtime_ns for p in first} == mtimes
    elsewhere = tmp_path / "copy"
    shutil.copytree(site, elsewhere, ignore=shutil.ignore_patterns("output", ".blog-cache"))
    assert tree(build(elsewhere)) == first


def test_the_form_closes_with_the_clock_and_an_incremental_build_says_so(tmp_path):
    site = make_site(tmp_path, POSTS, {"comments": {**FORM, "close_after_days": 30}})
    build(site, "--now", "2014-03-10 00:00")
    assert html(site / "output/diary/second.html").select_one("section.comment-form form") is not None
    assert html(site / "output/diary/first.html").select_one("section.comment-form form") is None  # 37 days
    build(site, "--now", "2014-04-15 00:00")   # nothing in content changed; only the clock
    assert html(site / "output/diary/second.html").select_one("section.comment-form form") is None
    assert "Comments are closed" in text(html(site / "output/diary/second.html").select_one(".comment-form"))


def test_settings_only_the_receiver_reads_leave_pages_alone_and_a_new_secret_does_not(tmp_path):
    site = make_site(tmp_path, POSTS, {"comments": FORM})
    output = build(site)
    before = tree(output)
    (site / "config.yaml").write_text("comments:\n  form_url: https://blog.example.org/comment\n"
                                      "  rate_global: 7/minute\n  max_pending: 9\n", encoding="utf-8")
    assert "0 files written" in run_blog(site, "build").stdout
    (site / SECRET_NAME).unlink()
    build(site)
    after = tree(output)
    assert after["diary/first.html"] != before["diary/first.html"], "a new secret gives new tokens"
    assert after["index.rss"] == before["index.rss"]
