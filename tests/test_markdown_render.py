"""The Markdown renderer: the settings bloggers rely on, and the guard for strangers' pathological input."""

from __future__ import annotations

from bs4 import BeautifulSoup

from generator.render.markdown_render import MAX_UNTRUSTED_BRACKETS, to_html


def test_fenced_code_tables_and_raw_html_for_the_blogger():
    html = to_html("```python\nx = 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<div class=\"x\">raw</div>\n",
                   "markdown")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one("div.highlight pre") is not None
    assert [td.get_text() for td in soup.select("td")] == ["1", "2"]
    assert soup.select_one("div.x").get_text() == "raw"


def test_html_format_is_used_verbatim():
    body = "<p>Old <b>post</b></p>\n<pre>  kept  </pre>"
    assert to_html(body, "html") == body


def test_a_comment_full_of_brackets_is_shown_literally_without_links():
    # Upstream Python-Markdown backtracks for minutes on thousands of '['; past the cap they are escaped.
    body = "[link](https://example.org) " + "[" * (MAX_UNTRUSTED_BRACKETS + 50)
    soup = BeautifulSoup(to_html(body, "markdown", untrusted=True), "html.parser")
    assert soup.find("a") is None
    assert soup.get_text().count("[") == MAX_UNTRUSTED_BRACKETS + 51


def test_a_comment_with_a_few_brackets_keeps_its_links():
    soup = BeautifulSoup(to_html("see [this](https://example.org)", "markdown", untrusted=True), "html.parser")
    link = soup.find("a")
    assert link["href"] == "https://example.org" and link["rel"] == ["nofollow", "ugc"]


def test_shared_code_formatters_give_the_html_of_a_fresh_formatter_per_block():
    # Blocks in several languages, with and without highlighted lines, in one body and across bodies: the
    # formatters reused between blocks must give exactly what codehilite's own new-per-block ones give.
    import markdown

    from generator.render.markdown_render import EXTENSION_CONFIGS, EXTENSIONS

    bodies = [
        "```python\ndef f():\n    return 1\n```\n\ntext\n\n```sh\necho hi\n```\n",
        '```{ .python hl_lines="2" }\na = 1\nb = 2\n```\n\n```\nplain <b>\n```\n',
        "```python\ndef f():\n    return 1\n```\n\n```javascript\nlet x = 1;\n```\n",
    ]
    plain = {name: {k: v for k, v in conf.items() if k != "pygments_formatter"}
             for name, conf in EXTENSION_CONFIGS.items()}
    fresh = markdown.Markdown(extensions=EXTENSIONS, extension_configs=plain, output_format="html")
    for body in bodies * 2:
        expected = fresh.reset().convert(body).replace("<pre>", '<pre tabindex="0">')   # scrollable: focusable
        assert to_html(body, "markdown") == expected
    assert 'class="hll"' in to_html(bodies[1], "markdown")
