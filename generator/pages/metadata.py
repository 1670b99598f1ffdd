"""What a post page tells search engines and link previews: a description (the post's summary, else its first
paragraph as text, cut at a word boundary) and its first image, both read from the rendered body."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin

DESCRIPTION_LENGTH = 160
# Elements whose text is not prose a reader would quote: code, tables, scripts.
_SKIPPED = {"pre", "code", "script", "style", "table", "figcaption", "template"}
_BLOCKS = {"p", "li", "blockquote", "dd", "div", "h1", "h2", "h3", "h4", "h5", "h6"}


class _BodyReader(HTMLParser):
    """The text of the first paragraph (or, with none, of the first text at all) and the first image's src."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paragraph: list[str] | None = None
        self.first_paragraph = ""
        self.loose: list[str] = []
        self.image = ""
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "img" and not self.image:
            self.image = dict(attrs).get("src") or ""
        elif tag == "p" and not self.first_paragraph and self.paragraph is None:
            self.paragraph = []

    def handle_endtag(self, tag):
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "p" and self.paragraph is not None:
            self.first_paragraph = " ".join("".join(self.paragraph).split())
            self.paragraph = None   # an empty one (an image alone, say): the next paragraph is read
        elif tag in _BLOCKS:
            self.loose.append(" ")

    def handle_data(self, data):
        if self.skipping:
            return
        if self.paragraph is not None:
            self.paragraph.append(data)
        self.loose.append(data)


def shorten(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """`text` with white space folded, cut at the last word boundary within `limit` characters, with '…'."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


# Markdown writes paragraphs as a bare <p>, and no '<' inside a code block is left unescaped, so for Markdown bodies
# two regular expressions find what the parser would, at a fraction of its cost on every post page. Bodies they
# cannot read (raw HTML with <p class=...>, say) go to the parser.
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_IMAGE = re.compile(r"""<img\s[^>]*?\bsrc=["']([^"']*)["']""", re.IGNORECASE)


def read_body(html: str) -> tuple[str, str]:
    """(first paragraph as text, or all the text when there is no paragraph; the first image's src)."""
    image = _IMAGE.search(html)
    for match in _PARAGRAPH.finditer(html):
        text = " ".join(unescape(_TAG.sub("", match.group(1))).split())
        if text:   # not a paragraph holding only an image
            return text, unescape(image.group(1)) if image else ""
    reader = _BodyReader()
    reader.feed(html)
    reader.close()
    text = reader.first_paragraph or " ".join("".join(reader.loose).split())
    return text, reader.image


def post_metadata(summary: str, body_html: str, page_url: str, absolute) -> tuple[str, str]:
    """(description, absolute URL of the first image or ''), for a post at `page_url` (site-relative).
    `absolute` makes a site-relative URL absolute; an image's relative src is resolved against the post."""
    text, image = read_body(body_html)
    description = shorten(summary or text)
    if image and not image.lower().startswith(("http://", "https://")):
        image = urljoin(absolute(page_url), image) if not image.startswith("data:") else ""
    return description, image
