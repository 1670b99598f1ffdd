"""Related posts: generator/related.py's RelatedIndex on tiny hand-worked inputs, against a brute-force all-pairs
ranking on random inputs, and the "Related posts: A; B; C" line in the fixture blog's built pages.

The ranking: most shared tags (ignored tags left out); then rarer shared tags (among equal counts of shared
tags, the smaller product of the tags' post counts, as idf sums would rank them); then newest; then title;
then id. And update(): an index's answers after edits, reusing the answers from before, equal a fresh all().
"""

from __future__ import annotations

import math
import random
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.content.related import Item, RelatedIndex
from sitefactory import build, copy_fixture, html, text


def items(*specs) -> list[Item]:
    """('id', 'tag tag', timestamp[, title]) -> Items; the title defaults to the id."""
    return [Item(s[0], tuple(s[1].split()), s[2], s[3] if len(s) > 3 else s[0]) for s in specs]


# -- hand-worked cases -------------------------------------------------------------------------------------

def test_more_shared_tags_beat_newer_posts():
    index = RelatedIndex(items(("x", "a b c", 0), ("three", "a b c", 1), ("two", "a b", 2), ("one", "a", 3)))
    assert index.query("x", 5) == ("three", "two", "one")


def test_equal_counts_go_to_rarer_shared_tags_even_when_older():
    # 'rare' is on 2 of 6 posts, 'common' on 5: idf(rare) = ln(6/2)+1 > idf(common) = ln(6/5)+1.
    index = RelatedIndex(items(("x", "rare common", 0), ("old", "rare", 1), ("new1", "common", 9),
                               ("new2", "common", 8), ("new3", "common", 7), ("new4", "common", 6)))
    assert index.query("x", 3) == ("old", "new1", "new2")


def test_rarer_pair_beats_commoner_pair_with_the_same_count():
    # Both share two tags; a+b are on 2 posts each, c+d on 3 each, so a+b has the higher idf sum.
    index = RelatedIndex(items(("x", "a b c d", 0), ("ab", "a b", 1), ("cd", "c d", 5),
                               ("c2", "c", 6), ("d2", "d", 7)))
    assert index.query("x", 2) == ("ab", "cd")


def test_equal_tags_go_to_the_newest_then_the_title():
    index = RelatedIndex(items(("x", "a", 0), ("p1", "a", 5, "Zebra"), ("p2", "a", 7, "Middle"),
                               ("p3", "a", 5, "Apple"), ("p4", "a", 7, "Banana")))
    assert index.query("x", 4) == ("p4", "p2", "p3", "p1")   # newest (7: Banana, Middle), then 5: Apple, Zebra


def test_same_title_and_date_fall_back_to_the_id():
    index = RelatedIndex(items(("x", "a", 0), ("b", "a", 1, "Same"), ("a", "a", 1, "Same")))
    assert index.query("x", 2) == ("a", "b")


def test_newer_posts_count_too():
    index = RelatedIndex(items(("old", "a", 0), ("newer", "a", 10)))
    assert index.query("old", 6) == ("newer",)
    assert index.query("newer", 6) == ("old",)


def test_ignored_tags_neither_relate_posts_nor_add_to_the_count():
    specs = (("x", "diary nova", 0), ("diary-only", "diary", 9), ("both", "diary nova", 1),
             ("nova", "nova", 2))
    assert RelatedIndex(items(*specs), ignore={"diary"}).query("x", 5) == ("nova", "both")
    # Without ignore_tags, the post sharing both tags comes first and diary-only is related too.
    assert RelatedIndex(items(*specs)).query("x", 5) == ("both", "diary-only", "nova")


def test_a_post_sharing_no_tag_gets_none():
    index = RelatedIndex(items(("x", "lonely", 0), ("y", "a", 1), ("z", "", 2)), ignore={"a"})
    assert index.all(3) == {"x": (), "y": (), "z": ()}


def test_count_limits_the_list_and_zero_gives_none():
    index = RelatedIndex(items(("x", "a", 0), *[(f"p{i}", "a", i + 1) for i in range(10)]))
    assert index.query("x", 3) == ("p9", "p8", "p7")
    assert index.query("x", 0) == ()


def test_a_tag_written_twice_on_a_post_counts_once():
    index = RelatedIndex(items(("x", "a a b", 0), ("twice", "a a", 5), ("ab", "a b", 1)))
    assert index.query("x", 2) == ("ab", "twice")


# -- against brute force -----------------------------------------------------------------------------------

def brute_force(all_items: list[Item], ignore: set[str], count: int) -> dict[str, tuple[str, ...]]:
    """Every pair compared. For an equal number k of shared tags, the idf sum is k*(ln N + 1) - ln(product of
    the tags' post counts), so a smaller product is a higher sum: compared exactly, in integers."""
    tags = {it.id: set(it.keywords) - ignore for it in all_items}
    df: dict[str, int] = {}
    for keywords in tags.values():
        for k in keywords:
            df[k] = df.get(k, 0) + 1
    result = {}
    for it in all_items:
        ranked = []
        for other in all_items:
            shared = tags[it.id] & tags[other.id]
            if other.id != it.id and shared:
                ranked.append(((-len(shared), math.prod(df[k] for k in shared), -other.timestamp, other.title,
                                other.id), other.id))
        result[it.id] = tuple(o for _, o in sorted(ranked)[:count])
    return result


TAGS = "abcdefg"


@st.composite
def blogs(draw, min_items=0, max_items=12, tags=TAGS, min_tags=0):
    n = draw(st.integers(min_items, max_items))
    # Few timestamps and titles, so ties on date and title are common.
    result = [Item(f"p{i}", tuple(draw(st.lists(st.sampled_from(tags), min_size=min_tags, max_size=4))),
                   float(draw(st.integers(0, 3))), draw(st.sampled_from(["A", "B", "C"]))) for i in range(n)]
    ignore = set(draw(st.lists(st.sampled_from(tags), max_size=2)))
    return result, ignore, draw(st.integers(0, 6))


@settings(max_examples=300, deadline=None)
@given(blogs())
def test_matches_brute_force_on_small_blogs(blog):
    all_items, ignore, count = blog
    assert RelatedIndex(all_items, ignore).all(count) == brute_force(all_items, ignore, count)


@settings(max_examples=15, deadline=None)
@given(blogs(min_items=80, max_items=110, tags="abc", min_tags=2))
def test_matches_brute_force_when_a_tag_is_on_many_posts(blog):
    # Posting lists longer than 64 are looked up as sets: a different path through query().
    all_items, ignore, count = blog
    assert RelatedIndex(all_items, ignore).all(count) == brute_force(all_items, ignore, count)


@st.composite
def edits(draw, blog):
    """The same blog after a few edits: tags changed, a title or date changed, posts added and removed."""
    all_items, ignore, count = blog
    after = {it.id: it for it in all_items}
    for n in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["tags", "title", "date", "add", "remove"]))
        if kind == "add" or not after:
            new_id = f"new{n}"
            after[new_id] = Item(new_id, tuple(draw(st.lists(st.sampled_from(TAGS), max_size=4))),
                                 float(draw(st.integers(0, 3))), draw(st.sampled_from(["A", "B", "C"])))
            continue
        old = after[draw(st.sampled_from(sorted(after)))]
        if kind == "remove":
            del after[old.id]
        elif kind == "tags":
            after[old.id] = Item(old.id, tuple(draw(st.lists(st.sampled_from(TAGS), max_size=4))),
                                 old.timestamp, old.title)
        elif kind == "title":
            after[old.id] = Item(old.id, old.keywords, old.timestamp, draw(st.sampled_from(["A", "B", "C"])))
        else:
            after[old.id] = Item(old.id, old.keywords, float(draw(st.integers(0, 3))), old.title)
    return list(after.values())


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_updated_answers_equal_a_fresh_index_after_any_edits(data):
    before, ignore, count = data.draw(blogs(max_items=14))
    after = data.draw(edits((before, ignore, count)))
    old = {it.id: it for it in before}
    changed = {it.id: (old[it.id].keywords if it.id in old else ()) for it in after if old.get(it.id) != it}
    changed.update({i: old[i].keywords for i in old.keys() - {it.id for it in after}})
    previous = RelatedIndex(before, ignore).all(count)
    index = RelatedIndex(after, ignore)
    assert index.update(previous, changed, count) == index.all(count) == brute_force(after, ignore, count)


@pytest.mark.parametrize("seed", range(3))
def test_matches_brute_force_on_a_blog_of_400_posts(seed):
    rng = random.Random(seed)
    tags = [f"t{i}" for i in range(30)]
    weights = [1 / (i + 1) for i in range(30)]   # a few common tags, many rare ones, as real blogs have
    all_items = [Item(f"p{i}", tuple(rng.choices(tags, weights, k=rng.randint(0, 5))), float(rng.randint(0, 50)),
                      rng.choice("ABCDE")) for i in range(400)]
    ignore = {"t1"}
    assert RelatedIndex(all_items, ignore).all(6) == brute_force(all_items, ignore, 6)


# -- end to end: the "Related posts" line of the fixture blog ----------------------------------------------

# tests/fixtures/basic: count 3, ignore_tags [diary]; 11 published posts. Posts per tag (diary left out):
#   openstack 4 (Nova conductor, Havana feature freeze, Icehouse summit, Havana reading), book 4 (Reading list,
#   Live Free or Die, Citadel [as "Book"], Neptune's Brood), science-fiction 3, nova 2, havana 2, john-ringo 2,
#   meta 2 (Reading list, Hello); release, summit, charles-stross 1.
EXPECTED = {
    # meta (2 posts) is rarer than book (4): Hello, though oldest, comes first; then the newest two of book.
    "/link/reading-list.html": ["Hello", "Live Free or Die", "Citadel"],
    # two shared each (havana / nova, equally rare): the newer first; then openstack alone.
    "/openstack/havana/nova-conductor.html": ["Havana feature freeze", "Icehouse summit", "Havana reading"],
    "/openstack/havana/feature-freeze.html": ["Nova conductor", "Icehouse summit", "Havana reading"],
    "/openstack/icehouse/summit.html": ["Nova conductor", "Havana feature freeze", "Havana reading"],
    # three shared (Book and book are one tag), then two, then one.
    "/book/John_Ringo/live-free-or-die.html": ["Citadel", "Neptune's Brood", "Reading list"],
    "/book/John_Ringo/citadel.html": ["Live Free or Die", "Neptune's Brood", "Reading list"],
    # newer posts count too.
    "/book/Charles_Stross/neptunes-brood.html": ["Live Free or Die", "Citadel", "Reading list"],
    # diary is ignored: these share only openstack with the OpenStack posts, and nothing with each other.
    "/link/havana-reading.html": ["Nova conductor", "Havana feature freeze", "Icehouse summit"],
    "/hello.html": ["Reading list"],
    "/diary/quiet-sunday.html": None,      # only tagged diary: no line at all
    "/diary/christmas.html": None,         # no tags
}


def related_line(out: Path, url: str):
    line = html(out / url.lstrip("/")).select_one("article.post .post-related")
    return None if line is None else (text(line), [(text(a), a["href"]) for a in line.find_all("a")])


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return build(copy_fixture("basic", tmp_path_factory.mktemp("related")))


@pytest.mark.parametrize("url", sorted(EXPECTED))
def test_related_posts_line_in_built_pages(out, url):
    expected = EXPECTED[url]
    got = related_line(out, url)
    if expected is None:
        assert got is None
        return
    line, links = got
    assert line == "Related posts: " + "; ".join(expected)
    assert [title for title, _ in links] == expected
    for title, href in links:
        assert text(html(out / href.lstrip("/")).select_one("h1.post-title")) == title


def test_ignore_tags_and_count_come_from_config(tmp_path):
    site = copy_fixture("basic", tmp_path)
    config = yaml.safe_load((site / "config.yaml").read_text())
    config["related"] = {"count": 1, "ignore_tags": []}
    (site / "config.yaml").write_text(yaml.safe_dump(config))
    out = build(site)
    # diary now relates the quiet Sunday to Havana reading; count 1 keeps only the best.
    assert related_line(out, "/diary/quiet-sunday.html")[0] == "Related posts: Havana reading"
    assert related_line(out, "/link/reading-list.html")[0] == "Related posts: Hello"


def test_related_posts_computed_beside_markdown_equal_those_computed_in_line(tmp_path):
    # From 1,000 posts a first build computes related posts in a process of its own while Markdown renders;
    # the pages must be byte for byte those of a build that does everything in one process.
    import os
    import subprocess
    import sys

    from bench.synth import make_blog
    from sitefactory import REPO

    make_blog(tmp_path / "blog", 1100, seed=3)
    outputs = {}
    for workers in ("2", "1"):
        env = {**os.environ, "PYTHONPATH": str(REPO), "BLOG_WORKERS": workers}
        out = tmp_path / f"out-{workers}"
        subprocess.run([sys.executable, "-m", "generator", "build", "--quiet", "--site", str(tmp_path / "blog"),
                        "--output", str(out)], env=env, check=True)
        subprocess.run(["rm", "-rf", str(tmp_path / "blog" / ".blog-cache")], check=True)
        outputs[workers] = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.html"))}
    assert outputs["2"] == outputs["1"]
    some_post = next(p for p in outputs["2"] if p.endswith(".html") and "/page/" not in p and p.count("/") >= 1
                     and b'class="post-related"' in outputs["2"][p])
    assert b"Related posts: <a href=" in outputs["2"][some_post]


@pytest.mark.parametrize("shared", [False, True], ids=["one process", "two processes"])
def test_related_posts_updated_beside_markdown_equal_a_full_build(tmp_path, monkeypatch, shared):
    # After edits to a blog of 1,000 posts or more, the answers an edit can change are asked again in a process
    # of its own (which shares them with one it forks, when there are many), and only those that differ come
    # back, merged into the last build's: a new post sharing tags with many, a post retagged and a post deleted must give the
    # pages of a full build in one process.
    import os
    import re
    import subprocess
    import sys

    from bench.synth import make_blog
    from generator.content import related_answers
    from sitefactory import REPO

    blog = tmp_path / "blog"
    make_blog(blog, 1100, seed=4)
    monkeypatch.setenv("BLOG_WORKERS", "2")
    build(blog, output=tmp_path / "out")
    found = [(p, re.search(r"^tags: (.*)$", p.read_text(encoding="utf-8"), re.M))
             for p in sorted((blog / "content").rglob("*.md"))]
    posts, tags = [p for p, m in found if m], [m.group(1) for _, m in found if m]
    popular = max(set(tags), key=tags.count)   # the new post shares its tags with as many posts as any
    (blog / "content/diary/newest-of-all.md").write_text(
        f"---\ntitle: Newest of all\ndate: 2026-01-01 09:00\ntags: {popular}\n---\nA new post.\n",
        encoding="utf-8")
    retagged = posts[10].read_text(encoding="utf-8")
    posts[10].write_text(re.sub(r"^tags: .*$", f"tags: {tags[20]}", retagged, count=1, flags=re.M),
                         encoding="utf-8")
    posts[30].unlink()
    if shared:
        monkeypatch.setattr(related_answers, "SHARED_REQUERY", 1)
    marker = tmp_path / "shared"   # written by the process asking again, which the build forks
    real = related_answers.both_halves
    monkeypatch.setattr(related_answers, "both_halves", lambda fn: marker.write_text("yes") and real(fn))
    build(blog, output=tmp_path / "out")
    assert marker.exists() == shared
    subprocess.run(["rm", "-rf", str(blog / ".blog-cache")], check=True)
    env = {**os.environ, "PYTHONPATH": str(REPO), "BLOG_WORKERS": "1"}
    subprocess.run([sys.executable, "-m", "generator", "build", "--quiet", "--site", str(blog),
                    "--output", str(tmp_path / "full")], env=env, check=True)

    def files(out: Path) -> dict[str, bytes]:
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    updated, full = files(tmp_path / "out"), files(tmp_path / "full")
    assert updated.keys() == full.keys()
    assert [p for p in full if updated[p] != full[p]] == []
    assert b"Related posts: <a href=" in full["diary/newest-of-all.html"]


def test_shares_of_the_posts_asked_again_together_are_all_of_them():
    # Two processes split the posts an edit makes ask again (asked_again, halved as related_answers does):
    # together they answer what one would, each post once.
    rng = random.Random(11)
    before = items(*[(f"p{i}", " ".join(rng.sample("abcdefgh", rng.randint(1, 4))), i) for i in range(300)])
    after = before[:250] + items(("new", "a b c", 400))
    index = RelatedIndex(after)
    previous = RelatedIndex(before).all(5)
    changed = {"new": (), **{it.id: it.keywords for it in before[250:]}}
    asked = index.asked_again(previous, changed)
    whole = index.answers(asked, 5)
    halves = [index.answers(asked[n::2], 5) for n in range(2)]
    assert not halves[0].keys() & halves[1].keys()
    assert {**halves[0], **halves[1]} == whole
    assert {**previous, **whole}.keys() >= {it.id for it in after}
    assert index.update(previous, changed, 5) == index.all(5)


def test_a_build_stopped_while_storing_related_posts_leaves_the_last_ones_whole(tmp_path, monkeypatch):
    # Their key, the answers and what they were computed from are stored in one transaction. A build stopped
    # between the key and the answers would leave the new key believed with the old answers.
    from generator.cli import main
    from generator.publish.cache import BuildCache

    site = copy_fixture("basic", tmp_path)
    build(site)
    post = site / "content/diary/quiet-sunday.md"
    post.write_text(post.read_text(encoding="utf-8").replace("tags: [diary]", "tags: [diary, openstack, nova]"),
                    encoding="utf-8")
    real = BuildCache.save_layered

    def stopped(self, name, value, base):
        if name == "related":   # the answers: after their key
            raise KeyboardInterrupt
        return real(self, name, value, base)

    monkeypatch.setattr(BuildCache, "save_layered", stopped)
    assert main(["build", "--quiet", "--site", str(site)]) == 130
    monkeypatch.undo()
    out = build(site)
    clean = tmp_path / "clean"
    clean.mkdir()
    for name in ("content", "config.yaml"):
        (shutil.copytree if (site / name).is_dir() else shutil.copy)(site / name, clean / name)
    want = build(clean)
    assert related_line(out, "/diary/quiet-sunday.html") == related_line(want, "/diary/quiet-sunday.html")
    pages = sorted(p.relative_to(want).as_posix() for p in want.rglob("*.html"))
    assert [(out / p).read_bytes() for p in pages] == [(want / p).read_bytes() for p in pages]
