"""Bad input: each mistake a blogger can make gives one line on stderr, `error: <file>[:line]: what to fix`,
exit status 1 and no traceback (a traceback only with --debug), and output/ stays exactly as the last good build
left it: the same files with the same bytes and modification times."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitefactory import build, make_site, post, run_blog, snapshot

GOOD = {
    "content/diary/hello.md": post("Hello", "2014-02-24 17:04", "The first post.\n", tags=["diary", "meta"]),
    "content/a/other.md": post("Other", "2014-02-25 09:00", "Another.\n", tags=["meta"]),
}



@pytest.fixture
def site(tmp_path) -> Path:
    """A site with one good build in output/."""
    site = make_site(tmp_path, GOOD, {"title": "Bad input", "timezone": "UTC"})
    build(site)
    assert (site / "output/diary/hello.html").is_file()
    return site


def write(site: Path, rel: str, data: str | bytes) -> None:
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


# (name, {file: contents}, what the error line must contain after 'error: ')
CASES = [
    ("broken YAML", {"content/diary/broken.md": "---\ntitle: Broken\ndate: 2014-02-24 17:04\n"
                                                "tags: [a, b: c: d\n---\nbody\n"},
     ["content/diary/broken.md:4:", "not valid YAML"]),
    ("missing title", {"content/diary/untitled.md": "---\ndate: 2014-02-24 17:04\n---\nbody\n"},
     ["content/diary/untitled.md", "no title", "title:"]),
    ("missing date", {"content/diary/undated.md": "---\ntitle: Undated\ntags: [x]\n---\nbody\n"},
     ["content/diary/undated.md", "no date", "date:"]),
    ("unparseable date", {"content/diary/when.md": "---\ntitle: When\ntags: [x]\ndate: last tuesday\n---\n"},
     ["content/diary/when.md:4:", "'date: last tuesday' is not a date", "2014-02-24 17:04"]),
    ("impossible date", {"content/diary/when.md": "---\ntitle: When\ndate: 2014-02-30 10:00\n---\n"},
     ["content/diary/when.md:3:", "is not a date"]),
    ("not UTF-8", {"content/diary/latin1.md": b"---\ntitle: Caf\xe9\ndate: 2014-02-24 17:04\n---\nbody\n"},
     ["content/diary/latin1.md:2:", "not UTF-8", "save it as UTF-8"]),
    ("two posts, one URL", {"content/a/foo.md": post("Foo", "2014-02-24 17:04"),
                            "content/a/foo.markdown": post("Foo again", "2014-02-24 18:00")},
     ["content/a/foo.md", "content/a/foo.markdown", "/a/foo.html"]),
    ("a post where its category page goes", {"content/a/index.md": post("Index", "2014-02-24 17:04")},
     ["content/a/index.md", "/a/index.html"]),
    ("template syntax error", {"templates/post_block.html": "<article>\n{{ post.title }}\n{% for x in %}\n"
                                                            "{% endfor %}\n</article>\n"},
     ["templates/post_block.html:3:", "template error"]),
    ("unknown filter in a template", {"templates/post_block.html": "<article>\n{% if post.tags %}\n"
                                                                  "{{ post.title | shout }}\n{% endif %}\n"
                                                                  "</article>\n"},
     ["templates/post_block.html:3:", "No filter named 'shout'"]),
    ("undefined name in a template", {"templates/post_block.html": "<article>\n{{ post.title }}\n\n"
                                                                  "{{ post.no_such_field.x }}\n</article>\n"},
     ["templates/post_block.html:4:", "no_such_field"]),
    ("template error on a site big enough to render in worker processes",
     {**{f"content/many/p{n}.md": post(f"P{n}", "2014-03-01 10:00", tags=["x"]) for n in range(80)},
      "templates/post_block.html": "<article>\n{{ post.title }}\n{{ post.no_such_field.x }}\n</article>\n"},
     ["templates/post_block.html:3:", "no_such_field"]),
    ("unknown config key", {"config.yaml": "title: Bad input\ncolour: blue\n"},
     ["config.yaml", "unknown config key 'colour'"]),
    ("unknown related key", {"config.yaml": "title: Bad input\nrelated:\n  count: 3\n  colour: blue\n"},
     ["config.yaml", "'related.colour'"]),
    ("broken config YAML", {"config.yaml": "title: Bad input\ntagline: [oops\nauthor: me\n"},
     ["config.yaml:3:", "not valid YAML"]),
]


@pytest.mark.parametrize("name, files, expected", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_error_line_and_output_is_untouched(site, name, files, expected):
    before = snapshot(site / "output")
    for rel, data in files.items():
        write(site, rel, data)

    result = run_blog(site, "build")

    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    for part in expected:
        assert part in lines[0], f"{part!r} not in {lines[0]!r}"
    assert "Traceback" not in result.stderr
    assert snapshot(site / "output") == before


@pytest.mark.parametrize("name, files, expected", [CASES[0], CASES[8], CASES[12]],
                         ids=["yaml", "template", "config"])
def test_debug_shows_the_traceback(site, name, files, expected):
    before = snapshot(site / "output")
    for rel, data in files.items():
        write(site, rel, data)

    result = run_blog(site, "--debug", "build")

    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert expected[0] in result.stderr
    assert snapshot(site / "output") == before


def test_after_the_fix_the_build_publishes_again(site):
    write(site, "content/diary/broken.md", "---\ntitle: [oops\ndate: 2014-02-24 17:04\n---\n")
    assert run_blog(site, "build").returncode == 1
    assert not (site / "output/diary/broken.html").exists()

    write(site, "content/diary/broken.md", "---\ntitle: Fixed\ndate: 2014-02-24 17:04\n---\n")
    result = run_blog(site, "build", "--quiet")
    assert result.returncode == 0, result.stderr
    assert (site / "output/diary/broken.html").is_file()


def test_no_config_says_how_to_start(tmp_path):
    (tmp_path / "content").mkdir()
    result = run_blog(tmp_path, "build")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "config.yaml" in result.stderr and "blog init" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "output").exists()


def test_a_bad_file_among_many_read_on_all_cores_is_named_as_when_read_alone(tmp_path):
    # A first build of a big blog parses its files in worker processes: the error still names the first
    # bad file (in the order the files are found), with its line, and nothing is published.
    files = {f"content/notes/n{i:03d}.md": post(f"Note {i}", f"2014-02-{i % 28 + 1:02d} 08:00", "Words.")
             for i in range(300)}
    files["content/notes/n150.md"] = "---\ntitle: Fine\ndate: 2014-02-24 17:04\ntags: [unclosed\n---\nBody\n"
    files["content/notes/n250.md"] = "---\ntitle: [also bad\n---\n"
    site = make_site(tmp_path, files, {"title": "Many"})
    result = run_blog(site, "build")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [result.stderr.strip()] and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: content/notes/n150.md:4: "), result.stderr
    assert not (site / "output").exists()
