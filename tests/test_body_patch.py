"""A body edit is patched into the files that show it (generator/body_patch.py): only those files are keyed and
written, no page is rendered from templates, and the output is byte-identical to a full build of the same
files. Every edit a patch cannot be sure of goes the usual way, byte-identical too.

Files are dated back a day before each build (a build trusts no stat of the last moments), each edit to a time
of its own, as a blogger's edits are by the time cron builds them.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.body_patch import (_BODY_NAMES, _DESCRIPTION_NAMES, DESCRIBING, SHOWING_BODIES, _leaves_alone,
                                  template_digest)
from generator.build import BuildOptions, build
from generator.publish.writer import MANIFEST, OutputWriter
from sitefactory import make_site, post

NOW = datetime(2015, 1, 1, tzinfo=ZoneInfo("UTC"))
CATEGORIES = ["diary", "book/john_ringo", "openstack/havana"]
TAGS = ["nova", "python", "book", "diary"]
POSTS = 12
THEME = Path(__file__).resolve().parent.parent / "themes" / "default" / "templates"
# A page the usual way keys on every build past the no-change check; a patch keys only files showing the body.
ALWAYS_KEYED = "tags/index.html"


def rel_of(i: int) -> str:
    return f"content/{CATEGORIES[i % len(CATEGORIES)]}/p{i:02d}.md"


def body_of(i: int, closing: str = "") -> str:
    return f"The opening paragraph of post {i}, long enough to be its description.\n\n{closing or f'Closing {i}.'}\n"


def text_of(i: int, body: str | None = None, **changes) -> str:
    fields = {"tags": [TAGS[i % 4], TAGS[(i + 1) % 4]], **({"summary": f"Summary {i}."} if i % 3 == 0 else {})}
    fields.update(changes)
    title = fields.pop("title", f"Post {i}")
    return post(title, f"2014-0{1 + i % 3}-{1 + i:02d} 10:00", body_of(i) if body is None else body, **fields)


class Site:
    def __init__(self, tmp_path: Path, files: dict[str, str] | None = None, **config):
        self.tmp = tmp_path
        files = files or {rel_of(i): text_of(i) for i in range(POSTS)}
        files["content/diary/p03.comments/c1.md"] = "---\nauthor: Jane\ndate: 2014-04-01 09:00\n---\nHi.\n"
        self.dir = make_site(tmp_path, files, {"posts_per_page": 20, "title": "T", "related": {"count": 2},
                                               **config})
        self.stamp = time.time() - 86_400
        self.age(self.dir)
        self.build()

    def age(self, folder: Path) -> None:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.stat().st_mtime > self.stamp:
                self.stamp += 1
                os.utime(path, (self.stamp, self.stamp))

    def write(self, rel: str, text: str, aged: bool = True) -> None:
        path = self.dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if aged:
            self.age(self.dir)

    def build(self, site: Path | None = None):
        return build(BuildOptions(site_dir=site or self.dir, now=NOW), warn=lambda msg: None)

    def rebuild(self):
        """The rebuild's result, after checking its output against a full build of the same files."""
        result = self.build()
        clean = self.tmp / "clean"
        shutil.rmtree(clean, ignore_errors=True)
        shutil.copytree(self.dir, clean, ignore=shutil.ignore_patterns("output", ".blog-cache"))
        self.build(clean)
        assert tree(self.dir / "output") == tree(clean / "output"), "the rebuild differs from a full build"
        return result

    def showing(self, word: bytes) -> set[str]:
        return {path for path, data in tree(self.tmp / "clean" / "output").items() if word in data}


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and p.name != MANIFEST}


@pytest.fixture
def site(tmp_path) -> Site:
    return Site(tmp_path)


def test_a_body_edit_is_patched_into_the_files_that_show_it(site):
    # Markup and an ampersand: escaped one way in Atom, another in the JSON Feed, as they are in RSS and pages.
    site.write(rel_of(4), text_of(4, body_of(4, 'Closing, zanzibar & <em>"quoted"</em> now.')))
    result = site.rebuild()
    shows = site.showing(b"zanzibar")
    assert {rel_of(4)[8:].replace(".md", ".html"), "index.html", "index.rss",
            "index.atom", "feed.json"} <= shows
    assert set(result.stats.keyed) == set(result.stats.staged) == set(result.stats.rendered) == shows
    assert result.patched and result.parts_rendered == 0
    again = site.build().stats
    assert (again.written, again.keyed) == (0, [])


def test_old_url_shapes_get_the_patch_too(tmp_path):
    """A blog from PyBlosxom answers its old feed URLs with feeds of their own (pages/legacy.py)."""
    site = Site(tmp_path, pyblosxom_urls=True)
    site.write(rel_of(4), text_of(4, body_of(4, "Closing, zanzibar.")))
    result = site.rebuild()
    old_feeds = {path for path in site.showing(b"zanzibar") if path.endswith((".rss", ".atom"))
                 and not path.endswith("index.rss")}
    assert rel_of(4)[8:].replace(".md", ".rss") in old_feeds
    assert ALWAYS_KEYED not in result.stats.keyed and old_feeds <= set(result.stats.staged)


def test_patches_in_a_row_then_a_full_build_that_takes_one_back(site):
    """A full build after patches keys the patched posts' pages again, even when the file is back as the record
    has it: its files show what the patch wrote."""
    original = (site.dir / rel_of(4)).read_text(encoding="utf-8")
    site.write(rel_of(4), text_of(4, body_of(4, "Closing, edited once.")))
    assert ALWAYS_KEYED not in site.rebuild().stats.keyed
    site.write(rel_of(7), text_of(7, body_of(7, "Closing, edited too.")))
    assert ALWAYS_KEYED not in site.rebuild().stats.keyed
    site.write(rel_of(4), original, aged=False)
    site.write(rel_of(9), text_of(9, title="Retitled"))
    assert ALWAYS_KEYED in site.rebuild().stats.keyed
    site.write(rel_of(7), text_of(7, body_of(7, "Closing, edited again.")))
    assert ALWAYS_KEYED not in site.rebuild().stats.keyed


def _twin(tmp_path):
    """Post 5's body is post 4's, on one front page: a file would hold the old body twice."""
    files = {rel_of(i): text_of(i) for i in range(POSTS)}
    files[rel_of(5)] = text_of(5, body_of(4))
    return Site(tmp_path, files)


NEW_OPENING = "A new opening paragraph, zanzibar, long enough to be a description.\n\nClosing 4.\n"


def test_a_new_description_is_patched_into_the_meta_tags(site):
    """Post 4 has no summary: its first paragraph is its description, in three meta tags of its page."""
    site.write(rel_of(4), text_of(4, NEW_OPENING))
    result = site.rebuild()
    assert result.patched and set(result.stats.staged) == site.showing(b"zanzibar")
    assert (site.dir / "output" / rel_of(4)[8:].replace(".md", ".html")).read_text(
        encoding="utf-8").count('content="A new opening paragraph, zanzibar,') == 3


OPENING_4 = "The opening paragraph of post 4, long enough to be its description."


def _title_as_opening(tmp_path):
    """Post 4's title is its first paragraph: its title's meta tags hold what its description's do."""
    files = {rel_of(i): text_of(i) for i in range(POSTS)}
    files[rel_of(4)] = text_of(4, title=OPENING_4)
    return Site(tmp_path, files)


def _own_base(tmp_path):
    site = Site(tmp_path)
    site.write("templates/base.html", (THEME / "base.html").read_text(encoding="utf-8") + "<!-- mine -->\n")
    site.build()
    return site


# Edits a patch cannot be sure of: (how to make the site, the edit).
USUAL = {
    "a new description, with a base.html of the site's own": (_own_base, lambda s: s.write(
        rel_of(4), text_of(4, NEW_OPENING))),
    "a new description that is also the title": (_title_as_opening, lambda s: s.write(
        rel_of(4), text_of(4, NEW_OPENING, title=OPENING_4))),
    "a picture": (Site, lambda s: s.write(rel_of(4), text_of(4, body_of(4, "![a picture](pic.png)")))),
    "a relative link": (Site, lambda s: s.write(rel_of(4), text_of(4, body_of(4, "[notes](notes.txt)")))),
    "the title too": (Site, lambda s: s.write(rel_of(4), text_of(4, body_of(4, "Closing, edited."), title="New"))),
    "a body another post has": (_twin, lambda s: s.write(rel_of(4), text_of(4, body_of(4, "Closing, edited.")))),
    "a file too new to trust": (Site, lambda s: s.write(rel_of(4), text_of(4, body_of(4, "Closing, edited.")),
                                                         aged=False)),
    "a comment besides": (Site, lambda s: (
        s.write("content/diary/p03.comments/c2.md", "---\nauthor: Bob\ndate: 2014-04-02 09:00\n---\nYo.\n"),
        s.write(rel_of(4), text_of(4, body_of(4, "Closing, edited."))))),
    "a site template that counts words": (Site, lambda s: (
        s.write("templates/post_block.html", (THEME / "post_block.html").read_text(encoding="utf-8")
                + "{{ post.body|wordcount }} words\n"),
        s.build(),
        s.write(rel_of(4), text_of(4, body_of(4, "Closing, edited with more words than it had.")))))
}


@pytest.mark.parametrize("case", USUAL)
def test_what_a_patch_cannot_be_sure_of_goes_the_usual_way(tmp_path, case):
    make, edit = USUAL[case]
    site = make(tmp_path)
    edit(site)
    assert ALWAYS_KEYED in site.rebuild().stats.keyed


def test_a_site_template_that_leaves_bodies_alone_keeps_the_patch(site):
    site.write("templates/base.html", (THEME / "base.html").read_text(encoding="utf-8") + "<!-- mine -->\n")
    site.rebuild()
    site.write(rel_of(4), text_of(4, body_of(4, "Closing, zanzibar.")))
    result = site.rebuild()
    assert ALWAYS_KEYED not in result.stats.keyed and set(result.stats.staged) == site.showing(b"zanzibar")


def test_a_patch_stopped_before_publishing_leaves_output_as_it_was(site, monkeypatch):
    before = tree(site.dir / "output")
    site.write(rel_of(4), text_of(4, body_of(4, "Closing, edited.")))

    def stopped(self, inputs=None):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(OutputWriter, "publish", stopped)
        with pytest.raises(KeyboardInterrupt):
            site.build()
    assert tree(site.dir / "output") == before
    site.rebuild()


def test_the_default_templates_trusted_with_bodies_are_these():
    """The default theme's templates that show a body are trusted to insert it as it is, by their hash: an edit to
    one fails this until it is read again and its new hash put in body_patch.SHOWING_BODIES. The others are
    checked as a site's own are: they may not touch a body."""
    showing = {template_digest(p): p.name for p in sorted(THEME.iterdir()) if not _leaves_alone(p, _BODY_NAMES)}
    assert showing == SHOWING_BODIES


def test_the_default_base_html_prints_a_description_only_as_meta_tags():
    """The description's places a patch swaps are the default base.html's meta tags, by its hash: an edit to it
    fails this until it is read again and its hash and count put in body_patch.DESCRIBING."""
    base = (THEME / "base.html").read_text(encoding="utf-8")
    describing = {template_digest(p) for p in THEME.iterdir()
                  if _leaves_alone(p, _BODY_NAMES) and not _leaves_alone(p, _DESCRIPTION_NAMES)}
    printed = base.count('content="{{ page_description }}"')
    assert describing == set(DESCRIBING) and DESCRIBING == {template_digest(THEME / "base.html"): printed}
    # Set once from what the page is given, then printed whole, only as a meta tag's content.
    uses = re.findall(r"\{[{%][^}]*description[^}]*[}%]\}", base)
    assert uses == ["{% set page_description = description|default(site.tagline or site.title) %}"] + \
        ["{{ page_description }}"] * printed


def test_a_build_that_shows_nothing_new_keeps_the_patch_ready(site):
    """A post scheduled for later is added: nothing shown changes, so that build writes nothing, and the next body
    edit is still patched (the base's listing follows the build that wrote nothing)."""
    site.write("content/diary/later.md", post("Later", "2016-01-01 10:00", "Not yet.\n"))
    assert site.rebuild().stats.written == 0
    site.write(rel_of(4), text_of(4, body_of(4, "Closing, zanzibar.")))
    assert site.rebuild().patched


@pytest.mark.parametrize("body", [
    # An imported PyBlosxom post: HTML as it was written, Windows line ends, entities, a tab.
    "<p>Written\ton Windows,\r\nwith &amp; entities &lt;kept&gt; and \u00e9t\u00e9 \U0001f600 too.</p>\r\n"
    "<p>Closing.</p>\r\n",
    # Markdown whose HTML holds quotes, backslashes and what JSON and XML escape.
    'The opening paragraph, "quoted", with a back\\\\slash and a </script> in code: `</script>`.\n\nClosing.\n',
])
def test_bodies_as_blogs_write_them_are_patched_byte_for_byte(tmp_path, body):
    files = {rel_of(i): text_of(i) for i in range(POSTS)}
    files[rel_of(4)] = text_of(4, body, format="html" if body.startswith("<p>") else "markdown")
    site = Site(tmp_path, files)
    edited = body.replace("Closing.", "Closing, zanzibar \u00fcber &amp; \r\n more.")
    site.write(rel_of(4), text_of(4, edited, format="html" if body.startswith("<p>") else "markdown"))
    result = site.rebuild()
    assert result.patched and set(result.stats.staged) == site.showing("zanzibar".encode())
