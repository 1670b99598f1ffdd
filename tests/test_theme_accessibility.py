"""The default theme in real Chromium with axe-core (through axe-playwright-python): no violations on every kind
of page of the example blog, in the light and the dark colour scheme, at desktop (1280 px) and phone (390 px)
widths; and the links a thumb has to hit are at least 24 px tall on a phone.

The example blog (config.yaml and content/ at the top of the repo) is built and served on 127.0.0.1. Without
chromium the tests skip, unless BLOG_REQUIRE_BROWSER=1 (CI) makes that a failure (test_serve_browser's fixture).
"""

from __future__ import annotations

import shutil
import sys

import pytest

from sitefactory import REPO, build

sys.path.insert(0, str(REPO / "tools"))
from screenshots import serve  # noqa: E402  (the same static server the README's screenshots are taken on)
from test_serve_browser import chromium  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow

# The list: the front page, a post with code, comments and an image, a category, a tag, the tag index,
# recent comments, a date archive, the archive index, and the 404 page; and the category list beside them.
PAGES = {
    "front page": "/",
    "post with code, comments and an image": "/code/python/static-blog-config.html",
    "category": "/book/John_Ringo/",
    "tag": "/tags/python/",
    "tag index": "/tags/",
    "recent comments": "/comments/",
    "month archive": "/2014/02/",
    "year archive": "/2014/",
    "archive index": "/archives/",
    "category list": "/categories/",
    "404": "/404.html",
}
# Every rule axe runs by default, and target-size (WCAG 2.2's 24 px tap targets), which it leaves off by default.
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

COMMENT_FORM = "\ncomments:\n  form_url: https://blog.example.org/comment\n"


@pytest.fixture(scope="module")
def example_blog(tmp_path_factory):
    """The example blog, built and served: yields its base URL."""
    site = tmp_path_factory.mktemp("example") / "site"
    site.mkdir()
    # With the readers' comment form on (a setting, so the example blog itself has none), to check it too.
    config = (REPO / "config.yaml").read_text(encoding="utf-8")
    (site / "config.yaml").write_text(config + COMMENT_FORM, encoding="utf-8")
    shutil.copytree(REPO / "content", site / "content")
    with serve(build(site)) as base_url:
        yield base_url


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        for node in v["nodes"][:3]:
            lines.append(f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '')[:200]}")
    return "\n".join(lines)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_no_axe_violations(chromium, example_blog, scheme, width):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = chromium.new_context(viewport=VIEWPORTS[width])
    failures = {}
    try:
        page = context.new_page()
        page.emulate_media(color_scheme=scheme)
        for name, path in PAGES.items():
            page.goto(example_blog + path, wait_until="load")
            # The page really is in the scheme asked for (a dark page has a dark background).
            dark = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
            assert dark == (scheme == "dark")
            results = axe.run(page, options=AXE_OPTIONS)
            violations = results.response["violations"]
            if violations:
                failures[f"{name} ({path})"] = describe(violations)
    finally:
        context.close()
    assert not failures, "\n\n".join(f"{name}:\n{text}" for name, text in failures.items())


def test_tap_targets_are_at_least_24_px_on_a_phone(chromium, example_blog):  # noqa: F811
    context = chromium.new_context(viewport=VIEWPORTS["phone"])
    try:
        page = context.new_page()
        page.goto(example_blog + PAGES["post with code, comments and an image"], wait_until="load")
        boxes = {}
        for selector in ["header nav a", ".post-tags a", ".post-footer a.post-path", ".pagination a",
                         ".post-nav a", ".breadcrumbs a", ".site-footer a"]:
            found = page.locator(selector)
            boxes[selector] = [found.nth(i).bounding_box() for i in range(found.count())]
        page.goto(example_blog + "/", wait_until="load")
        found = page.locator(".pagination a")
        boxes[".pagination a"] = [found.nth(i).bounding_box() for i in range(found.count())]
    finally:
        context.close()
    for selector, found in boxes.items():
        assert found, f"nothing matches {selector}"
        small = [box for box in found if box["height"] < 24 or box["width"] < 24]
        assert not small, f"{selector}: {small}"


def test_listing_headings_keep_their_distance_from_the_header(chromium, example_blog):  # noqa: F811
    # `.wrap`'s padding once zeroed `main`'s top padding, so a listing's heading touched the header band.
    context = chromium.new_context(viewport=VIEWPORTS["desktop"])
    try:
        page = context.new_page()
        for path in ["/tags/python/", "/book/", "/archives/", "/"]:
            page.goto(example_blog + path, wait_until="load")
            gap = page.evaluate("""() => {
                const header = document.querySelector('.site-header').getBoundingClientRect();
                const first = document.querySelector('main').firstElementChild.getBoundingClientRect();
                return first.top - header.bottom; }""")
            assert gap >= 20, f"{path}: the first thing in main is {gap} px below the header"
    finally:
        context.close()
