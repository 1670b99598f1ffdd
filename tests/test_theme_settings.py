"""`theme_settings:` in config.yaml reaches templates as `settings`, untouched; every other unknown key is still an
error."""

from __future__ import annotations

import yaml

from sitefactory import REPO, build, html, make_site, post, run_blog

BASE = (REPO / "themes/default/templates/base.html").read_text(encoding="utf-8")
WITH_SETTINGS = BASE.replace("</head>", '<meta name="accent" content="{{ settings.accent }}">\n'
                             '{% for link in settings.links %}<link rel="me" href="{{ link.url }}">{% endfor %}\n'
                             "</head>")


def test_templates_get_theme_settings_and_an_edit_reaches_every_page(tmp_path):
    settings = {"accent": "#c33", "links": [{"title": "Code", "url": "https://code.example.org/me"}]}
    site = make_site(tmp_path, {"content/a.md": post("A", "2014-02-24 10:00", tags=["x"]),
                                "templates/base.html": WITH_SETTINGS},
                     {"theme_settings": settings})
    out = build(site)
    for page in ("index.html", "a.html", "tags/x/index.html", "404.html"):
        soup = html(out / page)
        assert soup.find("meta", attrs={"name": "accent"})["content"] == "#c33"
        assert soup.find("link", rel="me")["href"] == "https://code.example.org/me"

    settings["accent"] = "#36c"
    (site / "config.yaml").write_text(yaml.safe_dump({"theme_settings": settings}), encoding="utf-8")
    out = build(site)
    assert html(out / "a.html").find("meta", attrs={"name": "accent"})["content"] == "#36c"


def test_other_unknown_keys_are_still_errors(tmp_path):
    site = make_site(tmp_path, {}, {"theme_settings": {"accent": 1}, "accent": "#c33"})
    result = run_blog(site, "build")
    assert result.returncode == 1
    assert "unknown config key 'accent'" in result.stderr and "theme_settings" in result.stderr

    site = make_site(tmp_path / "two", {}, {"theme_settings": "dark"})
    result = run_blog(site, "build")
    assert result.returncode == 1 and "'theme_settings' must be a mapping" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
