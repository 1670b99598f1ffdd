"""`blog import pyblosxom`: a small old blog in, files checked one by one."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from generator.errors import BlogError
from generator.importer import add_arguments, run
from generator.importer.pyblosxom import import_pyblosxom
from generator.importer.pyconfig import read_config_py
from tests.pyblosxom_fixture import RAW_HTML, SYDNEY, build_old_blog
from sitefactory import snapshot


def read_doc(path: Path) -> tuple[dict, str]:
    """(front matter, body) of a written file, split the way the core's frontmatter.split does."""
    text = path.read_bytes().decode("utf-8")
    assert text.startswith("---\n")
    front, _, body = text[4:].partition("\n---\n")
    return yaml.safe_load(front), body


def offset(when: datetime) -> timedelta:
    return when.utcoffset()


@pytest.fixture
def old(tmp_path):
    return build_old_blog(tmp_path)


@pytest.fixture
def imported(old, tmp_path):
    new = tmp_path / "new"
    lines = []
    report = import_pyblosxom(old.datadir, new, config_py=None, timezone="Australia/Sydney", comments_dir=None,
                              dry_run=False, merge=False, out=lines.append)
    return new, report, "\n".join(lines)


def test_raw_html_entry_keeps_its_body_byte_for_byte(imported):
    new, _, _ = imported
    front, body = read_doc(new / "content/openstack/havana/nova-notes.md")
    assert front["title"] == "Nova notes"
    assert front["format"] == "html"
    assert body == RAW_HTML
    assert list(front)[:4] == ["title", "date", "tags", "format"]


def test_dates_are_in_the_old_servers_zone_with_summer_and_winter_offsets(imported):
    new, _, _ = imported
    summer, _ = read_doc(new / "content/openstack/havana/nova-notes.md")
    winter, _ = read_doc(new / "content/openstack/havana/foo.md")
    assert summer["date"] == datetime(2014, 2, 24, 17, 4, tzinfo=SYDNEY)
    assert offset(summer["date"]) == timedelta(hours=11)
    assert winter["date"] == datetime(2013, 7, 10, 9, 0, tzinfo=SYDNEY)
    assert offset(winter["date"]) == timedelta(hours=10)
    text = (new / "content/openstack/havana/nova-notes.md").read_text()
    assert "\ndate: 2014-02-24T17:04:00+11:00\n" in text


def test_date_from_the_file_name_and_from_mtimes_yaml(imported):
    new, _, _ = imported
    named, _ = read_doc(new / "content/diary/holiday-2013-05-06-10-30.md")
    assert named["date"] == datetime(2013, 5, 6, 10, 30, tzinfo=SYDNEY)
    assert offset(named["date"]) == timedelta(hours=10)
    kept, _ = read_doc(new / "content/diary/from-mtimes.md")    # keyed by the old server's path
    assert kept["date"] == datetime(2010, 8, 1, 12, 0, tzinfo=SYDNEY)


def test_tags_are_split_trimmed_and_keep_spaces(imported):
    new, report, _ = imported
    front, _ = read_doc(new / "content/openstack/havana/nova-notes.md")
    assert front["tags"] == ["openstack", "nova", "cloud computing"]
    assert report.tags == len({"openstack", "nova", "cloud computing", "python", "docs"})


def test_other_metadata_is_kept_and_parser_dropped(imported):
    new, _, _ = imported
    book, _ = read_doc(new / "content/books/good-book.md")
    assert book["isbn"] == "0123456789"
    assert book["nocomments"] is True
    md, body = read_doc(new / "content/python/md-post.md")
    assert "parser" not in md and "format" not in md     # Markdown is the default format
    assert md["tags"] == ["python"]
    assert body == "\n*emphasis* and `code`\n"


def test_heading_trap_is_metadata_as_in_pyblosxom_and_warned(imported):
    new, report, _ = imported
    front, body = read_doc(new / "content/python/trap.md")
    assert front["Heading"] == "1"
    assert body == "Paragraph under it.\n"
    assert any(path.endswith("trap.md") and "Heading" in note for path, note in report.warnings)


def test_rst_becomes_html(imported):
    new, _, _ = imported
    front, body = read_doc(new / "content/rst/intro.md")
    assert front["format"] == "html"
    assert "<em>reST</em>" in body


def test_what_is_not_an_entry_is_not_imported(imported):
    new, report, _ = imported
    assert (new / "content/top.md").is_file()
    assert not list(new.rglob("secret.md"))            # dot-folder
    assert not list(new.rglob("linked*"))               # symlinked folder, reported
    assert any(p.endswith("entries/linked") for p, _ in report.skipped)
    assert not (new / "content/comments").exists()
    assert report.entries == 10
    assert report.categories == len({"openstack", "openstack/havana", "books", "python", "diary", "rst"})


def test_comments_go_to_the_entry_with_the_longest_slug(imported):
    new, _, _ = imported
    foo = sorted((new / "content/openstack/havana/foo.comments").iterdir())
    assert [p.name for p in foo] == ["1373410800-1.md", "1373414400-1.md"]
    assert [read_doc(p)[1] for p in foo] == ["first on foo", "second on foo"]
    bar = list((new / "content/openstack/havana/foo-bar.comments").iterdir())
    assert [read_doc(p)[1] for p in bar] == ["on foo-bar"]


def test_comment_front_matter_and_html_body(imported):
    new, report, _ = imported
    front, body = read_doc(new / "content/openstack/havana/nova-notes.comments/1393221900-1.md")
    assert front == {"author": "Jane", "date": datetime(2014, 2, 24, 17, 5, tzinfo=SYDNEY),
                     "url": "http://jane.example.org/", "email": "jane@example.org", "format": "html"}
    assert offset(front["date"]) == timedelta(hours=11)
    assert body == 'I agree &amp; <a href="http://x.example/">see this</a><br />\nThanks'
    bob, _ = read_doc(new / "content/openstack/havana/foo.comments/1373414400-1.md")
    assert "url" not in bob and "email" not in bob
    assert report.comments == 4


def test_draft_comment_goes_to_pending(imported):
    new, report, _ = imported
    pending = list((new / "comments-pending").iterdir())
    assert [p.name for p in pending] == ["python-trap-1390300000-1.md"]
    front, body = read_doc(pending[0])
    assert front["post"] == "/python/trap" and front["author"] == "Drafty" and body == "awaiting approval"
    assert report.pending_comments == 1


def test_skipped_files_are_named_with_a_reason(imported):
    new, report, output = imported
    skipped = {Path(p).name: reason for p, reason in report.skipped}
    assert "bad XML" in skipped["md-post-1390000000.0.cmt"]
    assert "LATEST.cmt" in skipped
    assert "nova-notes-1393221900.25.cmt.compacted" in skipped
    assert "no such entry" in skipped["gone-1390000000.0.cmt"]
    assert "dot-files" in skipped[".sneaky.txt"]
    assert "md-post-1390000000.0.cmt" in output and "10 entries" in output   # the printed summary


def test_config_yaml_from_config_py(imported):
    new, _, output = imported
    config = yaml.safe_load((new / "config.yaml").read_text())
    assert config == {"title": "Joe's Blog", "tagline": "notes on clouds", "author": "Joe Bloggs",
                      "base_url": "http://joe.example.com/blog", "timezone": "Australia/Sydney",
                      "posts_per_page": 3, "pyblosxom_urls": True}
    assert "config.py" in output


def test_old_urls(imported):
    new, _, _ = imported
    urls = (new / "old-urls.txt").read_text().splitlines()
    assert urls == sorted(set(urls))
    for url in ["/openstack/havana/nova-notes", "/openstack/havana/nova-notes.html",
                "/openstack/havana/nova-notes.rss", "/openstack/havana/nova-notes.atom", "/top.html",
                "/openstack", "/openstack/", "/openstack/index.rss", "/openstack/index.atom",
                "/openstack/havana/", "/2014", "/2014/02", "/2014/Feb", "/2014/02/24", "/2014/Feb/24",
                "/tag/cloud computing", "/tag/cloud computing.rss", "/index.rss", "/index.atom",
                "/index_page1.html", "/index_page3.html"]:
        assert url in urls
    # 10 entries at 3 a page: pages 0 (the front page) to 3; /openstack's 3 entries fit on its first page.
    assert "/index_page4.html" not in urls and "/index_page0.html" not in urls
    assert not any(u.startswith("/openstack/index_page") for u in urls)
    assert not any("secret" in u or "linked" in u for u in urls)


def test_old_folder_is_unchanged(old, tmp_path):
    before = snapshot(old.root)
    import_pyblosxom(old.datadir, tmp_path / "new", config_py=old.config_py, timezone="Australia/Sydney",
                     comments_dir=old.comments, dry_run=False, merge=False, out=lambda *_: None)
    assert snapshot(old.root) == before


def test_refuses_a_non_empty_content_folder(old, tmp_path):
    new = tmp_path / "new"
    (new / "content").mkdir(parents=True)
    (new / "content" / "mine.md").write_text("---\ntitle: mine\n---\n")
    with pytest.raises(BlogError, match="--merge"):
        import_pyblosxom(old.datadir, new, config_py=None, timezone="UTC", comments_dir=None,
                         dry_run=False, merge=False, out=lambda *_: None)
    assert [p.name for p in (new / "content").iterdir()] == ["mine.md"]


def test_merge_never_overwrites(old, tmp_path):
    new = tmp_path / "new"
    mine = new / "content/openstack/havana/foo.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("my own foo\n")
    (new / "config.yaml").write_text("title: Mine\n")
    report = import_pyblosxom(old.datadir, new, config_py=None, timezone="UTC", comments_dir=None,
                              dry_run=False, merge=True, out=lambda *_: None)
    assert mine.read_text() == "my own foo\n"
    assert (new / "config.yaml").read_text() == "title: Mine\n"
    assert (new / "content/openstack/havana/foo-bar.md").is_file()
    assert (str(mine), "already in the new site: kept as it was") in report.skipped
    again = import_pyblosxom(old.datadir, new, config_py=None, timezone="UTC", comments_dir=None,
                             dry_run=False, merge=True, out=lambda *_: None)
    assert again.entries == 0 and again.comments == 0


def test_dry_run_writes_nothing(old, tmp_path):
    new = tmp_path / "new"
    lines = []
    report = import_pyblosxom(old.datadir, new, config_py=None, timezone="Australia/Sydney",
                              comments_dir=None, dry_run=True, merge=False, out=lines.append)
    assert not new.exists()
    assert report.entries == 10 and report.comments == 4
    assert any("would write" in line and "nova-notes.md" in line for line in lines)
    assert "would import: 10 entries" in "\n".join(lines)


def test_new_site_inside_the_old_folder_is_refused(old):
    with pytest.raises(BlogError, match="outside"):
        import_pyblosxom(old.datadir, old.datadir / "new", config_py=None, timezone="UTC", comments_dir=None,
                         dry_run=False, merge=False, out=lambda *_: None)


def test_cli_arguments_and_run(old, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args([str(old.datadir), str(tmp_path / "new"), "--timezone", "Australia/Sydney",
                              "--config", str(old.config_py), "--comments", str(old.comments), "--dry-run"])
    assert run(args) == 0
    assert "would import" in capsys.readouterr().out
    assert not (tmp_path / "new").exists()


def test_config_py_is_read_without_running_it(tmp_path):
    path = tmp_path / "config.py"
    path.write_text('import os\nbase = "/srv"\npy = {}\npy["datadir"] = base + "/entries"\n'
                    'py["x"] = __import__("os").system("touch %s")\n' % (tmp_path / "ran"))
    config, notes = read_config_py(path)
    assert config == {"datadir": "/srv/entries"}
    assert notes and "'x'" in notes[0]
    assert not (tmp_path / "ran").exists()


def test_python2_config_py_falls_back_to_single_lines(tmp_path):
    path = tmp_path / "config.py"
    path.write_text('py = {}\nprint "hello"\npy["blog_title"] = u"Old"\npy["num_entries"] = 5  # five\n')
    config, notes = read_config_py(path)
    assert config == {"blog_title": "Old", "num_entries": 5}
    assert "not Python 3" in notes[0]


def test_config_py_settings_for_parser_tags_and_drafts(tmp_path):
    datadir = tmp_path / "entries"
    (datadir / "comments").mkdir(parents=True)
    (tmp_path / "config.py").write_text('py = {}\npy["parser"] = "markdown"\npy["tags_separator"] = ";"\n'
                                        'py["comment_draft_ext"] = "draft"\n')
    (datadir / "a.txt").write_text("A\n#tags x; y z;\n*md by default*\n")
    (datadir / "comments" / "a-100.0.draft").write_text(
        '<?xml version="1.0"?>\n<item><author>D</author><pubDate>100.0</pubDate>'
        '<description>later</description></item>\n')
    (datadir / "comments" / "a-200.0.cmt").write_text(
        '<?xml version="1.0"?>\n<item><author>C</author><pubDate>200.0</pubDate>'
        '<description>now</description></item>\n')
    new = tmp_path / "new"
    report = import_pyblosxom(datadir, new, config_py=None, timezone="UTC", comments_dir=None, dry_run=False,
                              merge=False, out=lambda *_: None)
    front, body = read_doc(new / "content/a.md")
    assert front["tags"] == ["x", "y z"] and "format" not in front and body == "*md by default*\n"
    assert (new / "content/a.comments/200-1.md").is_file()
    assert read_doc(new / "comments-pending/a-100-1.md")[0]["post"] == "/a"
    assert (report.comments, report.pending_comments) == (1, 1)
    assert read_doc(new / "content/a.md")[0]["date"].utcoffset() == timedelta(0)


def test_category_pages_follow_num_entries(tmp_path):
    from generator.importer.entries import OldEntry
    from generator.importer.urls import old_urls
    when = datetime(2014, 2, 24, 17, 4, tzinfo=SYDNEY)
    entries = [OldEntry(source=Path(f"{i}.txt"), category="a/b", slug=str(i), title="t", date=when, tags=[],
                        fields={}, body="", body_format="html") for i in range(5)]
    urls = old_urls(entries, {"num_entries": 2})
    assert {"/a/index_page1.html", "/a/index_page2.html", "/a/b/index_page2.html", "/index_page2.html"} <= set(urls)
    assert "/a/index_page3.html" not in urls
    assert old_urls(entries, {"num_entries": 2, "paginate_count_from": 1})[-1] == "/index_page3.html"


def test_the_core_loads_the_imported_site(imported):
    from generator.publish.cache import BuildCache
    from generator.content.loader import load_content
    new, _, _ = imported
    warnings = []
    content = load_content(new, SYDNEY, BuildCache(new), warnings.append)
    assert warnings == []
    assert len(content.posts) == 10 and len(content.comments) == 4
    posts = {p.id: p for p in content.posts}
    assert posts["openstack/havana/nova-notes"].body_format == "html"
    assert posts["openstack/havana/nova-notes"].tags == ("openstack", "nova", "cloud computing")
    assert posts["python/md-post"].body_format == "markdown"
    assert dict(posts["books/good-book"].extra) == {"isbn": "0123456789", "nocomments": True,
                                                    "guid": "books/good-book",     # the old feeds' ids
                                                    "atom_id": "http://joe.example.com/blog/2012/01/05/good-book"}
    assert content.bodies[posts["openstack/havana/nova-notes"].body_hash] == RAW_HTML
    assert sorted(c.post_id for c in content.comments) == [
        "openstack/havana/foo", "openstack/havana/foo", "openstack/havana/foo-bar", "openstack/havana/nova-notes"]
