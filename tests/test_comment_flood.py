"""A flood against two receivers on one site (as gunicorn workers would be), and a receiver killed while it
writes: every "waiting for approval" answer has exactly one file, nothing else appears, the queue cap holds,
and `blog comments list` never sees a half-written file."""

from __future__ import annotations

import http.client
import random
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from commentserver import RELAXED, comment_server, form_fields, queue
from sitefactory import build, make_site, post, run_blog

FORM = {"form_url": "https://blog.example.org/comment", **RELAXED}
POSTS = {f"content/diary/p{n}.md": post(f"Post {n}", f"2020-01-0{n + 1} 10:00", "Body.\n") for n in range(4)}
REQUESTS = 2000
MAX_PENDING = 150


def flood_site(tmp_path: Path, **settings) -> tuple[Path, list[dict]]:
    site = make_site(tmp_path, POSTS, {"comments": {**FORM, **settings}})
    output = build(site)
    return site, [form_fields(output / f"diary/p{n}.html") for n in range(4)]


def kinds(forms: list[dict], n: int, rng: random.Random) -> tuple[str, dict | None]:
    form = forms[n % 4]
    good = {**form, "name": f"Reader {n}", "comment": f"Comment number {n}.\n\nmarker-{n}-end"}
    kind = rng.choice(["good", "good", "good", "no token", "honeypot", "unknown post", "other post", "links",
                       "long", "get"])
    if kind == "good":
        return kind, good
    if kind == "no token":
        return kind, {**good, "token": ""}
    if kind == "honeypot":
        return kind, {**good, "topic": "spam"}
    if kind == "unknown post":
        return kind, {**good, "post": "/diary/none"}
    if kind == "other post":
        return kind, {**good, "post": forms[(n + 1) % 4]["post"]}
    if kind == "links":
        return kind, {**good, "comment": "http://a http://b http://c http://d"}
    if kind == "long":
        return kind, {**good, "comment": "x" * 20_000}
    return kind, None


def test_a_flood_on_two_servers_keeps_every_promise(tmp_path):
    site, forms = flood_site(tmp_path, max_pending=MAX_PENDING)
    rng = random.Random(15)
    plan = [kinds(forms, n, rng) for n in range(REQUESTS)]
    with comment_server(site, tmp_path, "a") as a, comment_server(site, tmp_path, "b") as b:
        def one(n):
            kind, fields = plan[n]
            server = (a, b)[n % 2]
            if fields is None:
                return n, *server.request("GET")
            return n, *server.send(fields)
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(one, range(REQUESTS)))
        assert a.request("GET")[0] == 200 and b.request("GET")[0] == 200   # still answering

    accepted = {}
    for n, status, headers, body in results:
        kind = plan[n][0]
        if kind == "good":
            assert status in (200, 503), (n, status, body[:300])
            if status == 200:
                assert "waiting for approval" in body
                accepted[headers["X-Comment-Id"] + ".md"] = n
        elif kind == "get":
            assert status == 200
        else:
            assert status == 400, (kind, status)
    files = queue(site)
    assert set(files) == set(accepted), "a file for every accepted comment, and no other file"
    assert len(files) == MAX_PENDING, "the cap was reached, and held"
    for name, n in accepted.items():
        text = files[name].decode()
        assert yaml.safe_load(text.split("---\n")[1])["author"] == f"Reader {n}"
        assert text.endswith(f"marker-{n}-end\n"), name
    assert sum(1 for _, status, *_ in results if status == 503) > 0
    listed = run_blog(site, "comments", "list")
    assert listed.returncode == 0 and not listed.stderr and f"{MAX_PENDING} waiting" in listed.stdout


def test_a_receiver_killed_mid_write_leaves_no_half_written_comment(tmp_path):
    site, forms = flood_site(tmp_path)
    sent = threading.Event()
    killed = threading.Event()
    with comment_server(site, tmp_path) as receiver:
        def writer(t):
            n = 0
            while not killed.is_set():
                n += 1
                big = f"{'long line of text ' * 400}\n\nmarker-{t}-{n}-end"   # many writes in flight
                try:
                    receiver.send({**forms[t % 4], "name": f"R{t}", "comment": big})
                    sent.set()
                except (OSError, http.client.HTTPException):   # the server died mid-answer: as meant
                    return
        threads = [threading.Thread(target=writer, args=(t,)) for t in range(8)]
        for t in threads:
            t.start()
        assert sent.wait(60)
        for _ in range(1200):   # kill it while it writes: wait until the queue grows (a minute on a busy machine)
            # Names only: a live receiver's dot-file may be renamed between listing and reading it.
            folder = site / "comments-pending"
            if folder.is_dir() and sum(p.suffix == ".md" for p in folder.iterdir()) >= 20:
                break
            threading.Event().wait(0.05)
        receiver.proc.send_signal(signal.SIGKILL)
        receiver.proc.wait(timeout=30)
        killed.set()
        for t in threads:
            t.join(timeout=60)
    listed = run_blog(site, "comments", "list")
    assert listed.returncode == 0 and not listed.stderr, listed.stderr
    comments = {n: b for n, b in queue(site).items() if n.endswith(".md")}
    assert len(comments) >= 20
    for name, data in comments.items():
        assert data.decode().endswith("-end\n"), f"{name} is cut short"
    # A dot-file from the killed write may be left; the next receiver sweeps it before counting.
    with comment_server(site, tmp_path, "after") as receiver:
        assert receiver.send({**forms[0], "name": "After", "comment": "fine"})[0] == 200
    assert not [n for n in queue(site) if n.startswith(".")]
