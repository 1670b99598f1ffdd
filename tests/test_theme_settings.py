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


def test_an_archive_template_may_list_the_posts_its_own_way(tmp_path):
    """archive.html gets `posts` (title, url, date, tags, summary) beside the rendered `items`."""
    archive = (REPO / "themes/default/templates/archive.html").read_text(encoding="utf-8")
    mine = archive.replace('<ul class="archive">', '<ol class="mine" data-count="{{ posts|length }}">{% for p in posts %}'
                           '<li><a href="{{ p.url }}">{{ p.title }}</a> {{ p.tags|map(attribute="title")|join(",") }}'
                           '</li>{% endfor %}</ol>\n<ul class="archive">', 1)
    assert mine != archive
    site = make_site(tmp_path, {"content/a.md": post("A & co", "2014-02-24 10:00", tags=["x", "y"]),
                                "content/b/c.md": post("C", "2014-02-25 10:00", tags=["x"]),
                                "templates/archive.html": mine})
    out = build(site)
    listed = html(out / "tags/x/index.html").select_one("ol.mine")
    assert listed["data-count"] == "2"
    assert [(a.get_text(), a["href"], li.get_text().split(" ")[-1]) for li in listed.find_all("li")
            for a in li.find_all("a")] == [("C", "/b/c.html", "x"), ("A & co", "/a.html", "x,y")]
    assert html(out / "2014/02/24/index.html").select_one("ol.mine")["data-count"] == "1"
