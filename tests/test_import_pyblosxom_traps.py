"""`blog import pyblosxom` on what real blogs did that the plain format does not say: date plugins, parser
plugins, names the new site uses itself, hostile file systems, config.py files that do not evaluate."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tests.sitefactory import run_blog
from tests.test_serve_browser import chromium  # noqa: F401  (the fixture)

CODE = 'if (a < b && c > d) { printf("%d\\n", a); }'


def old_blog(tmp_path: Path, entries: dict[str, str | bytes], config: str | None = None,
             mtime: float = 1_400_000_000) -> Path:
    """blog/entries/<path> from `entries`, every file with one mtime (as a git checkout gives)."""
    datadir = tmp_path / "blog" / "entries"
    for rel, text in entries.items():
        path = datadir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        os.utime(path, (mtime, mtime))
    if config is not None:
        (tmp_path / "blog" / "config.py").write_text(config, encoding="utf-8")
    return datadir


def do_import(tmp_path: Path, datadir: Path, *args: str):
    return run_blog(tmp_path, "import", "pyblosxom", str(datadir), str(tmp_path / "new"), "--timezone", "UTC",
                    "--base-url", "https://blog.example.org/", *args)


def front(tmp_path: Path, post: str) -> dict:
    text = (tmp_path / "new/content" / post).read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])


def test_syntaxhighlight_code_stays_visible_in_a_browser(tmp_path, chromium):  # noqa: F811
    datadir = old_blog(tmp_path, {"code/c.txt": f"C trick\n<p>Like this:</p>\n<code><![CDATA[{CODE}]]></code>\n"},
                       config="py = {}\npy['parser'] = 'syntaxhighlight'\npy['load_plugins'] = []\n")
    done = do_import(tmp_path, datadir)
    assert done.returncode == 0, done.stdout + done.stderr
    assert run_blog(tmp_path / "new", "build", "--quiet").returncode == 0
    page = chromium.new_page()
    try:
        # As PyBlosxom's raw HTML, the browser loses the code (CDATA is a comment in HTML, up to the first >)
        page.set_content(f"<div id=b><code><![CDATA[{CODE}]]></code></div>")
        assert "if (a < b" not in page.inner_text("#b")
        # ... as imported, it shows, character for character.
        page.goto((tmp_path / "new/output/code/c.html").as_uri())
        assert CODE in page.inner_text(".post-body")
    finally:
        page.close()


def test_parsers_per_entry_and_unknown_ones_named_once_with_a_count(tmp_path):
    datadir = old_blog(tmp_path, {
        "a/one.txt": "One\n#parser wiki\n<p>one</p>\n", "a/two.txt": "Two\n#parser wiki\n<p>two</p>\n",
        "a/three.txt": "Three\n#parser markdown\n*three*\n", "a/four.rst": "Four\n*four*\n"},
        config="py = {}\npy['load_plugins'] = []\n")
    done = do_import(tmp_path, datadir)
    assert done.returncode == 0, done.stdout
    assert done.stdout.count("unknown parser 'wiki': 2") == 1
    assert front(tmp_path, "a/three.md").get("format") is None                    # Markdown stays Markdown
    assert "<em>four</em>" in (tmp_path / "new/content/a/four.md").read_text()    # reST became HTML


def test_date_plugins_the_config_loads_and_the_ones_it_does_not(tmp_path):
    entries = {"d/meta.txt": "Meta time\n# pubdate 2014-09-30\n# pubtime 08:37:48\n<p>x</p>\n",
               "d/pub.txt": "Published\n#published 2011-12-29 19:22:00\n<p>x</p>\n",
               "d/named-2012-03-04-15-16.txt": "Named\n<p>x</p>\n",
               "d/body.txt": 'Body\n<p>x</p>\n[[!meta date="2010-08-20 11:35:13"]]\n'}
    loaded = old_blog(tmp_path / "a", entries, config="py = {}\npy['load_plugins'] = ['pymetatime', "
                                                      "'published_date', 'Pyblosxom.plugins.pyfilenamemtime']\n")
    done = do_import(tmp_path / "a", loaded)
    assert done.returncode == 0, done.stdout
    assert "Markdown heading" not in done.stdout          # '# pubdate' is the plugin's metadata, not a heading
    dates = {p: str(front(tmp_path / "a", f"d/{p}.md")["date"]) for p in ("meta", "pub", "named-2012-03-04-15-16")}
    assert dates == {"meta": "2014-09-30 08:37:48+00:00", "pub": "2011-12-29 19:22:00+00:00",
                     "named-2012-03-04-15-16": "2012-03-04 15:16:00+00:00"}
    # pymetadate was not loaded: the old blog showed the file time, and the summary says why.
    assert "date metadata of a plugin not loaded (pymetadate)" in done.stdout
    # Without config.py only unmistakable metadata counts: no file-name dates, and the [[!meta]] line is
    # read and not shown.
    bare = old_blog(tmp_path / "b", entries)
    done = do_import(tmp_path / "b", bare)
    assert str(front(tmp_path / "b", "d/body.md")["date"]) == "2010-08-20 11:35:13+00:00"
    assert "[[!meta" not in (tmp_path / "b/new/content/d/body.md").read_text()
    assert str(front(tmp_path / "b", "d/named-2012-03-04-15-16.md")["date"]).startswith("2014-05-13")  # mtime


def test_dates_from_a_file_when_the_file_times_were_lost(tmp_path):
    datadir = old_blog(tmp_path, {f"d/p{i}.txt": f"Post {i}\n<p>{i}</p>\n" for i in range(5)},
                       config="py = {}\npy['load_plugins'] = []\n")
    done = do_import(tmp_path, datadir)
    assert "DATES LOST? 5 of 5 entries dated by file time share one time" in done.stdout
    dates = tmp_path / "dates.tsv"
    dates.write_text("d/p0.txt\t2009-01-02 03:04:05\n" + f"{datadir}/d/p1.txt\t2010-05-06T07:08:00+02:00\n")
    again = run_blog(tmp_path, "import", "pyblosxom", str(datadir), str(tmp_path / "new2"), "--timezone", "UTC",
                     "--dates-from", str(dates))
    assert again.returncode == 0, again.stdout + again.stderr
    read = lambda p: str(yaml.safe_load((tmp_path / "new2/content/d" / p).read_text().split("---\n")[1])["date"])
    assert read("p0.md") == "2009-01-02 03:04:05+00:00" and read("p1.md") == "2010-05-06 05:08:00+00:00"
    assert "--dates-from 2" in again.stdout
    dates.write_text("d/p0.txt 2009-01-02\n")
    bad = run_blog(tmp_path, "import", "pyblosxom", str(datadir), str(tmp_path / "new3"), "--dates-from", str(dates))
    assert bad.returncode == 1 and "dates.tsv:1:" in bad.stderr and "Traceback" not in bad.stderr


def test_names_the_new_site_uses_itself_are_renamed_and_redirected(tmp_path):
    datadir = old_blog(tmp_path, {"index.txt": "Front\n<p>i</p>\n", "tags/x.txt": "Tagged\n<p>t</p>\n",
                                  "2014/x.txt": "Year\n<p>y</p>\n", "foo.comments/bar.txt": "Bar\n<p>b</p>\n",
                                  "static/about.txt": "About\n<p>a</p>\n", "diary/index.txt": "Diary index\n<p/>\n",
                                  "diary/ok.txt": "\n<p>An empty first line.</p>\n"},
                       config="py = {}\npy['load_plugins'] = []\n")
    done = do_import(tmp_path, datadir)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "renamed so that they build: 6" in done.stdout
    assert front(tmp_path, "diary/ok.md")["title"] == "ok"
    new = tmp_path / "new"
    assert run_blog(new, "build", "--quiet").returncode == 0
    checked = run_blog(new, "check-urls", "old-urls.txt")
    assert checked.returncode == 0, checked.stdout
    urls = (new / "old-urls.txt").read_text().split()
    for old in ("/tags/x.html", "/2014/x.html", "/foo.comments/bar.html", "/static/about.html"):
        assert old in urls
    assert 'url=/2014-posts/x.html' in (new / "output/2014/x.html").read_text()


def test_a_site_that_would_not_build_is_reported_whole_with_exit_1(tmp_path):
    datadir = old_blog(tmp_path, {"d/a.txt": "A\n<p>a</p>\n"}, config="py = {}\n")
    new = tmp_path / "new"
    for name in ("bad1.md", "bad2.md"):
        (new / "content/mine").mkdir(parents=True, exist_ok=True)
        (new / "content/mine" / name).write_text("---\ntitle: [unclosed\n---\n")
    done = do_import(tmp_path, datadir, "--merge")
    assert done.returncode == 1
    assert "bad1.md" in done.stdout and "bad2.md" in done.stdout and "would stop the build" in done.stdout


def test_symlinks_never_lead_the_import_outside(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret\n<p>not the blog's</p>\n")
    datadir = old_blog(tmp_path, {"d/a.txt": "A\n<p>a</p>\n", "d/b.txt": "B\n<p>b</p>\n"}, config="py = {}\n")
    (datadir / "d/leak.txt").symlink_to(outside / "secret.txt")
    (datadir / "d/inside.txt").symlink_to(datadir / "d/a.txt")
    new = tmp_path / "new"
    (new / "content").mkdir(parents=True)
    (new / "content/d").symlink_to(outside, target_is_directory=True)     # a planted folder link
    done = do_import(tmp_path, datadir, "--merge")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "symlink" in done.stderr
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]     # nothing written through it
    (new / "content/d").unlink()
    done = do_import(tmp_path, datadir, "--merge")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "symlinked file pointing outside the data folder: 1" in done.stdout
    assert not (new / "content/d/leak.md").exists() and (new / "content/d/inside.md").is_file()


@pytest.mark.parametrize("config", [
    "py = {}\npy['x'] = " + "(" * 200_000 + "1" + ")" * 200_000 + "\n",      # too deep for the parser
    "py = {}\npy['x'] = " + "[" * 5_000 + "]" * 5_000 + "\n",
    "py = {}\npy['n'] = " + "9" * 5_000 + "\n",                             # int too long to convert
    "py = {}\npy['blog_title'] = 'A\0B'\n",
])
def test_a_config_py_that_blows_up_is_one_line(tmp_path, config):
    datadir = old_blog(tmp_path, {"d/a.txt": "A\n<p>a</p>\n"}, config=config)
    done = do_import(tmp_path, datadir)
    assert "Traceback" not in done.stderr
    if done.returncode:
        assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "config.py" in done.stderr


def test_problems_are_grouped_by_kind_worst_first(tmp_path):
    entries = {f"d/e{i}.txt": f"\n<p>{i}</p>\n" for i in range(5)}
    entries["d/z.txt"] = "Z\n#parser wiki\n<p>z</p>\n"
    (tmp_path / "blog/entries/comments/d").mkdir(parents=True)
    (tmp_path / "blog/entries/comments/d/gone-1390000000.0.cmt").write_text("<item><author>x</author></item>")
    datadir = old_blog(tmp_path, entries, config="py = {}\npy['load_plugins'] = []\n")
    done = do_import(tmp_path, datadir)
    out = done.stdout
    assert out.count("empty title: titled from the file name: 5") == 1
    assert out.count("... and 2 more") == 1
    assert out.index("[not imported] comment on no entry: 1") < out.index("[imported; check] empty title")


def test_blog_build_warns_about_a_localhost_base_url(tmp_path):
    datadir = old_blog(tmp_path, {"d/a.txt": "A\n<p>a</p>\n"}, config="py = {}\n")
    done = run_blog(tmp_path, "import", "pyblosxom", str(datadir), str(tmp_path / "new"), "--timezone", "UTC")
    assert "NO BASE URL" in done.stdout
    built = run_blog(tmp_path / "new", "build", "--quiet")
    assert built.returncode == 0 and "base_url is http://localhost:8000/" in built.stderr


def test_settings_that_are_not_carried_are_named(tmp_path):
    config = ("py = {}\npy['num_entries'] = 0\npy['load_plugins'] = ['wbgpager']\n"
              "py['load_plugins'] += ['published_date']\nif True:\n    py['base_url'] = 'http://x.example/'\n")
    datadir = old_blog(tmp_path, {"d/a.txt": "A\n#published 2001-02-03 04:05:06\n<p>a</p>\n"}, config=config)
    done = do_import(tmp_path, datadir)
    assert done.returncode == 0, done.stdout
    assert "a pagination plugin not carried: 1" in done.stdout and "?page=N" in done.stdout
    assert "num_entries = 0 (show all): 1" in done.stdout
    assert "py['base_url'] is set inside 'if'" in done.stdout
    assert str(front(tmp_path, "d/a.md")["date"]) == "2001-02-03 04:05:06+00:00"     # the += was read
    assert not any("_page" in u for u in (tmp_path / "new/old-urls.txt").read_text().split())
