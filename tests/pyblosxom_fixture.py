"""Builds a small PyBlosxom 1.5 blog in a folder: config.py, entries with set mtimes, and comments.

The shapes follow /work/shared/pyblosxom-formats.md; each odd case the importer must handle is here once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

SYDNEY = ZoneInfo("Australia/Sydney")
OLD_SERVER_DATADIR = "/home/joe/blog/entries"     # where config.py says the data folder was

SUMMER = datetime(2014, 2, 24, 17, 4, tzinfo=SYDNEY)       # AEDT, +11:00
WINTER = datetime(2013, 7, 10, 9, 0, tzinfo=SYDNEY)        # AEST, +10:00

RAW_HTML = ('<p>Nova in <a href="http://openstack.org/">Havana</a> &amp; more:</p>\n'
            '<pre>\n  $ nova list\n</pre>\n\n<!-- kept -->\n<p>Tabs\tand  spaces  </p>\n')

CONFIG_PY = f'''# -*- coding: utf-8 -*-
import os
py = {{}}
py["blog_title"] = "Joe's Blog"
py["blog_description"] = "notes on clouds"
py["blog_author"] = "Joe Bloggs"
py["base_url"] = "http://joe.example.com/blog"
py["datadir"] = "{OLD_SERVER_DATADIR}"
py["comment_dir"] = os.path.join(py["datadir"], "comments")
py["num_entries"] = 3
py["load_plugins"] = ["Pyblosxom.plugins.comments",
                      "Pyblosxom.plugins.tags", "Pyblosxom.plugins.pyfilenamemtime",
                      "Pyblosxom.plugins.paginate"]
py["renderer"] = some_function()
'''


@dataclass
class OldBlog:
    root: Path        # blog/ with config.py beside the data folder
    datadir: Path     # blog/entries
    comments: Path    # blog/entries/comments
    config_py: Path


def write_entry(datadir: Path, relpath: str, text: str, when: datetime) -> Path:
    path = datadir / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def comment_xml(*items: dict, compacted: bool = False) -> str:
    """As the comments plugin wrote them: flat elements, text escaped once."""
    def escape(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    bodies = ["<item>\n" + "".join(f"<{k}>{escape(v)}</{k}>\n" for k, v in item.items()) + "</item>\n"
              for item in items]
    inner = "".join(bodies)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + (f"<items>\n{inner}</items>\n" if compacted else inner)


def write_comment(comments: Path, relpath: str, text: str) -> Path:
    path = comments / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def build_old_blog(base: Path) -> OldBlog:
    root = base / "blog"
    datadir = root / "entries"
    comments = datadir / "comments"
    datadir.mkdir(parents=True)
    (root / "config.py").write_text(CONFIG_PY, encoding="utf-8")

    e = lambda rel, text, when: write_entry(datadir, rel, text, when)  # noqa: E731
    e("openstack/havana/nova-notes.txt",
      "Nova notes\n#tags openstack, nova,  cloud computing ,\n" + RAW_HTML, SUMMER)
    e("openstack/havana/foo.txt", "Foo\n<p>foo body</p>\n", WINTER)
    e("openstack/havana/foo-bar.txt", "Foo Bar\n#tags openstack\n<p>foo-bar body</p>\n",
      datetime(2013, 7, 11, 12, 0, tzinfo=SYDNEY))
    e("books/good-book.txt", "A good book\n#isbn 0123456789\n#nocomments\n<p>Read it.</p>\n",
      datetime(2012, 1, 5, 8, 30, tzinfo=SYDNEY))
    e("python/md-post.txt", "Markdown post\n#parser markdown\n#tags python\n\n*emphasis* and `code`\n",
      datetime(2014, 1, 20, 21, 0, tzinfo=SYDNEY))
    # The trap: a Markdown heading right after the title is PyBlosxom metadata.
    e("python/trap.md", "Trap\n# Heading\nParagraph under it.\n", datetime(2014, 1, 21, 7, 0, tzinfo=SYDNEY))
    e("diary/holiday-2013-05-06-10-30.txt", "Holiday\n<p>beach</p>\n", SUMMER)   # the name's date wins
    e("diary/from-mtimes.txt", "Dated elsewhere\n<p>x</p>\n", SUMMER)
    (datadir / ".mtimes.yaml").write_text(
        f"{OLD_SERVER_DATADIR}/diary/from-mtimes.txt: 2010-08-01T12:00:00\n", encoding="utf-8")
    e("rst/intro.rst", "Intro\n#tags docs\nSome *reST* text.\n", datetime(2011, 3, 1, 9, 0, tzinfo=SYDNEY))
    e("top.txt", "At the top\n<p>root entry</p>\n", datetime(2011, 6, 1, 9, 0, tzinfo=SYDNEY))
    e(".hidden/secret.txt", "Secret\n<p>not an entry</p>\n", WINTER)
    e(".sneaky.txt", "Sneaky\n<p>an entry to PyBlosxom, ignored by the new site</p>\n", WINTER)
    (base / "elsewhere").mkdir()
    write_entry(base / "elsewhere", "linked.txt", "Linked\n<p>x</p>\n", WINTER)
    (datadir / "linked").symlink_to(base / "elsewhere")
    (datadir / "images").mkdir()
    (datadir / "images" / "logo.png").write_bytes(b"\x89PNG")

    c = lambda rel, text: write_comment(comments, rel, text)  # noqa: E731
    c("openstack/havana/nova-notes-1393221900.25.cmt", comment_xml({
        "title": "Re: Nova notes", "author": "Jane", "link": "http://jane.example.org/",
        "email": "jane@example.org", "pubDate": "1393221900.25",
        "description": 'I agree &amp; <a href="http://x.example/">see this</a><br />\nThanks'}))
    c("openstack/havana/nova-notes-1393221900.25.cmt.compacted", comment_xml({"author": "old"}))
    c("openstack/havana/foo-all.cmt", comment_xml(
        {"author": "Ann", "pubDate": "1373410800.0", "description": "first on foo"},
        {"author": "Bob", "pubDate": "1373414400.0", "link": "", "description": "second on foo"},
        compacted=True))
    c("openstack/havana/foo-bar-1373500000.0.cmt", comment_xml(
        {"author": "Cat", "pubDate": "1373500000.0", "description": "on foo-bar"}))
    c("python/md-post-1390000000.0.cmt", '<?xml version="1.0"?>\n<item><author>Broken</item>\n')
    c("python/trap-1390300000.0.cmt-draft", comment_xml(
        {"author": "Drafty", "pubDate": "1390300000.0", "description": "awaiting approval"}))
    c("python/gone-1390000000.0.cmt", comment_xml(
        {"author": "Orphan", "pubDate": "1390000000.0", "description": "its entry was deleted"}))
    (comments / "LATEST.cmt").write_bytes(b"(dp0\nS'title'\np1\n.")
    return OldBlog(root=root, datadir=datadir, comments=comments, config_py=root / "config.py")
