"""Python-Markdown's extensions that bloggers expect, in a built site: footnotes, tables, [TOC], definition lists,
abbreviations, attribute lists; and heading and footnote ids that stay unique when posts share a listing page."""

from __future__ import annotations

from collections import Counter

from sitefactory import build, feed, html, make_site, post, text

BODY = """[TOC]

## Why

A claim[^1] about HTML.

## How

Term
:   Its definition.

| a | b |
|---|---|
| 1 | 2 |

A styled paragraph.
{: .aside }

## How

Again, same heading.

*[HTML]: Hyper Text Markup Language

[^1]: The footnote.
"""


def site_with_two_posts(tmp_path):
    return make_site(tmp_path, {
        "content/diary/first.md": post("First", "2014-02-24 17:04", BODY),
        "content/book/second.md": post("Second", "2014-02-24 18:00", BODY),
    }, {"base_url": "https://example.org/"})


def test_every_extension_renders_in_the_post_page(tmp_path):
    out = build(site_with_two_posts(tmp_path))
    page = html(out / "diary/first.html")
    body = page.select_one(".post-body") or page
    assert [text(a) for a in body.select("div.toc a")] == ["Why", "How", "How"]
    assert text(body.select_one("dl dt")) == "Term" and text(body.select_one("dl dd")) == "Its definition."
    assert [text(td) for td in body.select("table td")] == ["1", "2"]
    assert body.select_one("abbr")["title"] == "Hyper Text Markup Language"
    assert text(body.select_one("p.aside")) == "A styled paragraph."
    ref = body.select_one("sup a.footnote-ref")
    note = page.find(id=ref["href"][1:])
    assert note is not None and "The footnote." in text(note)
    # Every TOC link and footnote link lands on an element of this page.
    for a in body.select("div.toc a, a.footnote-ref, a.footnote-backref"):
        assert page.find(id=a["href"][1:]) is not None, a["href"]


def test_ids_are_unique_on_a_listing_page_and_the_same_everywhere(tmp_path):
    out = build(site_with_two_posts(tmp_path))
    front = html(out / "index.html")
    ids = Counter(el["id"] for el in front.select("[id]"))
    assert ids and not [i for i, n in ids.items() if n > 1], ids
    # Both posts' TOC and footnote links on the shared page go to their own post's elements.
    for a in front.select("div.toc a, a.footnote-ref"):
        assert front.find(id=a["href"][1:]) is not None
    first_ids = [h["id"] for h in html(out / "diary/first.html").select("h2[id]")]
    assert first_ids == ["diary-first-why", "diary-first-how", "diary-first-how_1"]
    # The same ids on the front page and the category page: a link to a heading works from either.
    assert set(first_ids) <= set(ids)
    assert set(first_ids) <= {el["id"] for el in html(out / "diary/index.html").select("[id]")}
    entry = next(e for e in feed(out / "index.rss").entries if e.title == "First")
    assert 'id="diary-first-why"' in entry.summary


def test_ids_survive_an_edit_of_the_text(tmp_path):
    site = site_with_two_posts(tmp_path)
    build(site)
    (site / "content/diary/first.md").write_text(post("First", "2014-02-24 17:04", "Edited intro.\n\n" + BODY))
    out = build(site)
    assert [h["id"] for h in html(out / "diary/first.html").select("h2[id]")][0] == "diary-first-why"


TRICKY = [
    BODY,
    "Title\n=====\n\nSub\n---\n\ntext\n\n---\n\n<h2>raw</h2>\n",
    "No marks at all: a [link](https://example.org) and `code {x}`.\n\n```python\nd = {1: 2}\n```\n",
    "Term\n: not a definition without the blank line?\n\n*not* an [abbr] *[here\n",
    "    indented code\n    : with a colon\n\nand [^not a note]\n",
    "> ## Quoted heading\n>\n> text[^n]\n\n[^n]: note\n",
    "[TOC]\n\nno headings\n",
    "- item {: .x }\n- ## heading in a list\n",
]


def test_bodies_get_the_html_of_the_full_extension_set():
    # to_html gives each body only the optional extensions whose mark it has: the HTML must be exactly that of a
    # converter with all of them, for bodies with and without the marks (and the synthetic benchmark's).
    import random

    import markdown

    from bench.synth import TextPools, make_body
    from generator.render import markdown_render as mr

    full = markdown.Markdown(extensions=mr.EXTENSIONS, extension_configs=mr.EXTENSION_CONFIGS,
                             output_format="html")
    rng, pools = random.Random(7), TextPools(random.Random(7))
    bodies = TRICKY + [make_body(rng, pools) for _ in range(40)]
    used = set()
    for body in bodies:
        mr._id_prefix = "p-"
        mr._footnotes(full).setConfig("SEPARATOR", "-p-")
        expected = full.reset().convert(body)
        assert mr.to_html(body, "markdown", id_prefix="p-") == expected, body
        used.add(tuple(sorted(e for e in mr._ONLY_WHEN if mr._ONLY_WHEN[e](body))))
    assert () in used and len(used) >= 4   # bodies with none, and with several kinds of marks
