"""The Jinja2 environment: templates/ beside config.yaml overrides the theme's templates of the same name."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..config import Config, quote_path
from ..errors import BlogError

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # generator/


def theme_dir(site_dir: Path, name: str) -> Path:
    """A theme in the site's own themes/ folder, else one shipped with the package (or the repo checkout)."""
    for candidate in (site_dir / "themes" / name, PACKAGE_DIR / "themes" / name, PACKAGE_DIR.parent / "themes" / name):
        if (candidate / "templates").is_dir():
            return candidate
    raise BlogError(f"theme '{name}' not found; put it in themes/{name}/ or set 'theme: default'",
                    site_dir / "config.yaml")


def template_dirs(site_dir: Path, config: Config) -> list[Path]:
    dirs = [site_dir / "templates", theme_dir(site_dir, config.theme) / "templates"]
    return [d for d in dirs if d.is_dir()]


def fingerprint(dirs: list[Path]) -> str:
    """Changes when any template that could be used changes: every page depends on it."""
    h = hashlib.blake2b(digest_size=16)
    for d in dirs:
        for path in sorted(p for p in d.rglob("*") if p.is_file()):
            h.update(str(path.relative_to(d)).encode() + b"\0" + path.read_bytes() + b"\0")
        h.update(b"\1")
    return h.hexdigest()


def template_fingerprints(env, dirs: list[Path]):
    """name -> a hash of that template and of every template it extends, includes or imports, transitively: a
    page keyed with it changes when any of them does, and not when an unrelated template is edited. A template
    that names another by a variable, takes part in a cycle or does not parse counts as using them all."""
    import jinja2
    from jinja2 import meta

    every = fingerprint(dirs)
    memo: dict[str, str] = {}

    class Unknown(Exception):
        pass

    def resolve(name: str) -> Path | None:
        for d in dirs:
            if (d / name).is_file():
                return d / name
        return None

    def walk(name: str, stack: tuple[str, ...]) -> str:
        if name in memo:
            return memo[name]
        if name in stack:
            raise Unknown(name)
        path = resolve(name)
        if path is None:
            return "missing:" + name   # rendering it fails with the template's name
        source = path.read_bytes()
        try:
            refs = set(meta.find_referenced_templates(env.parse(source.decode("utf-8"))))
        except (jinja2.TemplateSyntaxError, UnicodeDecodeError):
            raise Unknown(name) from None
        if None in refs:
            raise Unknown(name)
        h = hashlib.blake2b(name.encode() + b"\0" + source, digest_size=16)
        for ref in sorted(refs):
            h.update(b"\0" + walk(ref, stack + (name,)).encode())
        memo[name] = h.hexdigest()
        return memo[name]

    def fingerprint_of(name: str) -> str:
        try:
            return walk(name, ())
        except Unknown:
            memo[name] = every
            return every

    return fingerprint_of


def make_environment(dirs: list[Path], config: Config, bytecode_dir: Path | None = None,
                     nav: list[tuple[str, str]] = ()):
    import jinja2   # here, not at the top: a build with nothing to render never needs it

    # Compiled templates kept between builds (in the cache folder): compiling costs more than a small rebuild.
    cache = None
    if bytecode_dir is not None:
        bytecode_dir.mkdir(parents=True, exist_ok=True)
        cache = jinja2.FileSystemBytecodeCache(str(bytecode_dir))
    env = jinja2.Environment(bytecode_cache=cache,
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
    )
    base_path = config.base_path
    env.globals["site"] = config
    env.globals["settings"] = config.theme_settings   # in config.fingerprint(), so in every page's key
    env.globals["nav"] = [{"title": title, "url": url} for title, url in nav]   # pages with `nav:`; in the key
    env.globals["url"] = lambda path: base_path + quote_path(path)   # file names may hold spaces, '#', '?'
    env.globals["absolute_url"] = config.link
    env.filters["day"] = lambda d: d.strftime(config.date_format)
    env.filters["time"] = lambda d: d.strftime(config.time_format)
    env.filters["isodate"] = lambda d: d.isoformat()
    return env


def template_error(e: Exception, dirs: list[Path]) -> BlogError:
    """A Jinja error as one line naming the template file and line."""
    import jinja2

    name = getattr(e, "filename", None) or getattr(e, "name", None)
    line = getattr(e, "lineno", None)
    if isinstance(e, jinja2.TemplateNotFound):
        return BlogError(f"template '{e.name}' not found in {', '.join(map(str, dirs))}", None)
    if name is None:
        # Runtime errors (undefined names, a filter unknown inside an {% if %}) carry no location: the
        # innermost template frame of the traceback has it.
        tb = e.__traceback__
        while tb is not None:
            frame_name = tb.tb_frame.f_code.co_filename
            if frame_name.endswith(".html") or frame_name.endswith(".xml"):
                name, line = frame_name, tb.tb_lineno
            tb = tb.tb_next
    message = (getattr(e, "message", None) or str(e)).rstrip(".")
    return BlogError(f"template error: {message}; fix the template", name, line)
