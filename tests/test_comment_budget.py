"""A stranger's comment never stops publishing: comments are rendered within a budget (size, nesting, CPU time);
one that will not render within it is published as escaped plain text with one warning naming its file. The
blogger's own post may fail the build, with one line naming it. `approve` refuses what would not render."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from generator.render.markdown_render import MAX_UNTRUSTED_NESTING, comment_html
from sitefactory import html, make_site, post, run_blog, text

POST = post("Host", "2014-02-24 17:04", "The post.\n")

# Each of these ended a build in RecursionError, or took seconds to minutes to render, before the budget.
NESTED = {
    "bullets": "- " * 600 + "x",
    "stars": "* " * 600 + "x",
    "numbered": "1. " * 600 + "x",
    "quotes": "> " * 600 + "x",
    "quotes-tight": ">" * 1200 + " x",
    "mixed": "- > 1. " * 200 + "x",
    "indented": "\n".join("    " * i + "- level" for i in range(200)),
}


def comment(body: str, author: str = "Mallory") -> str:
    return f"---\nauthor: {author}\ndate: 2014-02-25 08:12\n---\n{body}"


def site_with(tmp_path: Path, bodies: dict[str, str], config: dict | None = None) -> Path:
    files = {"content/diary/host.md": POST}
    files.update({f"content/diary/host.comments/{name}.md": comment(body) for name, body in bodies.items()})
    return make_site(tmp_path, files, config)


def test_deeply_nested_comments_are_published_as_plain_text_with_one_warning_each(tmp_path):
    site = site_with(tmp_path, {**NESTED, "fine": "A *fine* comment."})
    result = run_blog(site, "build", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if line]
    for name in NESTED:
        assert sum(f"host.comments/{name}.md" in w for w in warnings) == 1, (name, warnings)
    assert len(warnings) == len(NESTED)
    page = html(site / "output/diary/host.html")
    bodies = [text(c) for c in page.select(".comment")]
    assert any("- - - -" in b for b in bodies)
    assert any("> > > >" in b for b in bodies) or any(">>>>" in b for b in bodies)
    assert page.find("em", string="fine")   # a fine comment is still Markdown
    # The next build (nothing changed) still succeeds.
    again = run_blog(site, "build", "--quiet")
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize("body", [
    "<http://" * 40_000,                                   # was 184 s at 320 KB
    "\n".join("> " * 3 + "quote" for _ in range(2000)),    # was 12.7 s as nested lines
    "heading\n=======\n" * 10_000,                         # was 8.8 s
], ids=["autolinks", "quote-lines", "setext"])
def test_pathological_comments_stay_within_the_budget(tmp_path, body):
    site = site_with(tmp_path, {"slow": body})
    result = run_blog(site, "build", "--quiet", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (site / "output/diary/host.html").is_file()


def test_the_size_cap_is_comments_max_bytes_and_escapes_what_it_shows(tmp_path):
    body = "<b>bold?</b> " + "word " * 300
    site = site_with(tmp_path, {"long": body}, {"comments": {"max_bytes": 1000}})
    result = run_blog(site, "build", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "host.comments/long.md" in result.stderr and "comments.max_bytes" in result.stderr
    page = html(site / "output/diary/host.html")
    assert not page.select(".comment b")
    assert "<b>bold?</b>" in text(page.select_one(".comment"))


@pytest.mark.parametrize("value", ["big", 0, -5, [1], True])
def test_a_bad_comments_max_bytes_is_one_line(tmp_path, value):
    site = site_with(tmp_path, {}, {"comments": {"max_bytes": value}})
    result = run_blog(site, "build", "--quiet")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "comments.max_bytes" in result.stderr


def test_an_unknown_comments_key_is_named(tmp_path):
    site = site_with(tmp_path, {}, {"comments": {"max_bites": 10}})
    result = run_blog(site, "build", "--quiet")
    assert result.returncode == 1 and "comments.max_bites" in result.stderr


@pytest.mark.parametrize("name", ["bullets", "numbered", "quotes", "indented"])
def test_the_bloggers_own_nested_post_fails_with_one_line_naming_it(tmp_path, name):
    body = NESTED[name].replace("200", "200") if name != "indented" else "\n".join(
        "    " * i + "- level" for i in range(400))
    site = make_site(tmp_path, {"content/diary/deep.md": post("Deep", "2014-02-24 17:04", body)})
    result = run_blog(site, "build", "--quiet")
    if result.returncode == 0:   # Markdown managed it: then it is simply published
        assert (site / "output/diary/deep.html").is_file()
        return
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "content/diary/deep.md" in result.stderr
    assert not (site / "output").exists()


# Any nesting of list and quote markers, however deep: the comment renders, or is shown as text, never raises.
_MARKER = st.sampled_from(["- ", "* ", "+ ", "1. ", "2) ", "> ", ">", "    ", "\t"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_MARKER, max_size=700).map("".join), min_size=1, max_size=4),
       st.text(max_size=20))
def test_any_nesting_of_markers_renders_or_is_plain_text(lines, tail):
    body = "\n".join(line + "x" for line in lines) + tail
    html_out, why = comment_html(body, "markdown", 20_480)
    assert isinstance(html_out, str)
    if why is None:
        assert max(line.count("-") + line.count(">") + line.count("*") for line in lines) <= 10 * MAX_UNTRUSTED_NESTING


def approve_site(tmp_path: Path, body: str, config: dict | None = None) -> Path:
    site = make_site(tmp_path, {"content/diary/host.md": POST,
                                "comments-pending/c1.md": f"---\npost: /diary/host\nauthor: Eve\n"
                                                          f"date: 2014-02-25 08:12\n---\n{body}"}, config)
    return site


@pytest.mark.parametrize("body", [NESTED["bullets"], NESTED["quotes"], NESTED["numbered"], "x" * 30_000])
def test_approve_refuses_a_comment_that_would_not_render_and_keeps_it_queued(tmp_path, body):
    site = approve_site(tmp_path, body)
    result = run_blog(site, "comments", "approve", "c1")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "c1.md" in result.stderr
    assert (site / "comments-pending/c1.md").is_file()
    assert not (site / "content/diary/host.comments").exists()


def test_add_refuses_a_comment_over_max_bytes(tmp_path):
    site = make_site(tmp_path, {"content/diary/host.md": POST}, {"comments": {"max_bytes": 100}})
    body = tmp_path / "body.txt"
    body.write_text("y" * 101)
    result = run_blog(site, "comments", "add", "/diary/host", "--author", "Sam", "--file", str(body))
    assert result.returncode == 1 and "max_bytes" in result.stderr
    assert not (site / "comments-pending").exists() or not list((site / "comments-pending").iterdir())
    body.write_text("y" * 100)
    assert run_blog(site, "comments", "add", "/diary/host", "--author", "Sam", "--file", str(body)).returncode == 0


# -- the queue keeps its promises ------------------------------------------------------------------------------

@pytest.mark.parametrize("date", ["0000-00-00", "2014-02-30", "'2014-02-30'", "0001-01-01T00:00:00+14:00",
                                  "[1, 2]"])
def test_a_queued_comment_with_an_impossible_date_is_flagged_by_list_and_removed_by_reject(tmp_path, date):
    site = approve_site(tmp_path, "Hello.")
    (site / "comments-pending/c1.md").write_text(f"---\npost: /diary/host\nauthor: Eve\ndate: {date}\n---\nHi\n")
    (site / "comments-pending/c2.md").write_text("---\npost: /diary/host\nauthor: Fine\ndate: 2014-03-01 09:00\n"
                                                 "---\nOK\n")
    listed = run_blog(site, "comments", "list")
    assert listed.returncode == 0 and "Traceback" not in listed.stderr
    assert "c1" in listed.stdout + listed.stderr and "Fine" in listed.stdout
    rejected = run_blog(site, "comments", "reject", "c1")
    assert rejected.returncode == 0, rejected.stderr
    assert not (site / "comments-pending/c1.md").exists()
    approved = run_blog(site, "comments", "approve", "c2")
    assert approved.returncode == 0, approved.stderr


@pytest.mark.parametrize("field", ["author", "post", "body"])
def test_list_cuts_every_column_to_the_terminal(tmp_path, field):
    huge = "N" * 100_000
    author, post_ref, body = (huge if field == "author" else "Eve"), ("/diary/" + huge if field == "post"
                                                                     else "/diary/host"), (huge if field == "body" else "Hi")
    site = approve_site(tmp_path, "x")
    (site / "comments-pending/c1.md").write_text(f"---\npost: {post_ref}\nauthor: {author}\n"
                                                 f"date: 2014-02-25 08:12\n---\n{body}\n")
    listed = run_blog(site, "comments", "list")
    assert listed.returncode == 0
    assert all(len(line) <= 80 for line in listed.stdout.splitlines()), listed.stdout[:500]
    assert "…" in listed.stdout


def test_approve_on_a_full_disk_leaves_nothing_half_written_and_can_be_retried(tmp_path):
    import resource
    import subprocess
    import sys
    from sitefactory import REPO
    site = approve_site(tmp_path, "A comment long enough to pass the file size limit. " * 200)
    env = {**__import__("os").environ, "PYTHONPATH": str(REPO)}

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))
    result = subprocess.run([sys.executable, "-m", "generator", "comments", "approve", "c1"], cwd=site, env=env,
                            capture_output=True, text=True, preexec_fn=limit, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1
    folder = site / "content/diary/host.comments"
    assert not folder.exists() or not list(folder.iterdir())
    assert (site / "comments-pending/c1.md").is_file()
    retried = run_blog(site, "comments", "approve", "c1")
    assert retried.returncode == 0, retried.stderr
    assert len(list(folder.glob("*.md"))) == 1
    built = run_blog(site, "build", "--quiet")
    assert built.returncode == 0, built.stderr
