"""Writes themes/default/static/pygments.css: code colours for light and dark colour schemes that every reader
can read. Pygments' own styles put some token colours below WCAG's 4.5:1 contrast (comments, operators), so
each colour that falls short against the theme's code background is darkened (light) or lightened (dark) until
it reaches TARGET. Run it again after changing a style or the theme's --code colours:

    .venv/bin/python tools/pygments_css.py
"""

from __future__ import annotations

import re
from pathlib import Path

from pygments.formatters import HtmlFormatter

OUT = Path(__file__).resolve().parent.parent / "themes" / "default" / "static" / "pygments.css"
TARGET = 4.8          # a little above 4.5:1, so rounding in browsers never takes a colour below it
LIGHT = ("default", "#f6f8fa")        # (Pygments style, the theme's --code background)
DARK = ("github-dark", "#1f2328")


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))


def _luminance(rgb) -> float:
    def channel(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = map(channel, rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = _luminance(_rgb(a)), _luminance(_rgb(b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def readable(colour: str, background: str) -> str:
    """`colour`, mixed towards black or white (whichever is away from the background) until it reaches TARGET."""
    if contrast(colour, background) >= TARGET:
        return colour
    towards = 0.0 if _luminance(_rgb(background)) > 0.5 else 1.0
    rgb = _rgb(colour)
    for step in range(1, 101):
        t = step / 100
        mixed = tuple(c + (towards - c) * t for c in rgb)
        out = "#" + "".join(f"{round(c * 255):02x}" for c in mixed)
        if contrast(out, background) >= TARGET:
            return out
    return "#000000" if towards == 0.0 else "#ffffff"


def rules(style: str, background: str) -> list[str]:
    """The style's token rules for `.highlight`, colours made readable, token backgrounds left out (the text
    is measured against the code background only)."""
    out = []
    for line in HtmlFormatter(style=style).get_style_defs(".highlight").splitlines():
        if not line.startswith(".highlight .") or line.startswith(".highlight .hll"):
            continue
        line = re.sub(r"background-color: #[0-9A-Fa-f]+;? ?", "", line)
        line = re.sub(r"border: 1px solid #[0-9A-Fa-f]+;? ?", "", line)
        line = re.sub(r"color: (#[0-9A-Fa-f]+)", lambda m: "color: " + readable(m.group(1), background), line)
        if re.search(r"\{\s*\}", line):
            continue
        out.append(line)
    return out


def main() -> None:
    light, dark = rules(*LIGHT), rules(*DARK)
    text = ["/* Written by tools/pygments_css.py from Pygments' " + LIGHT[0] + " and " + DARK[0]
            + " styles, every colour at least 4.5:1 against the code background. */",
            ".highlight .err { outline: 1px solid #c00; }",
            # Each scheme in its own block: a token the dark style leaves alone must not keep a light colour.
            "@media not all and (prefers-color-scheme: dark) {",
            *("  " + line for line in light),
            "}",
            "@media (prefers-color-scheme: dark) {",
            "  .highlight { color: #e6edf3; }",
            *("  " + line for line in dark),
            "}", ""]
    OUT.write_text("\n".join(text), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
