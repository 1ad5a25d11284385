"""Read a book's ``config.ini`` into a typed :class:`Config`.

Unknown keys produce one warning each; malformed values are errors that name
the section and key. Paths in the file are relative to the book root.
"""

from __future__ import annotations

import configparser
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from d2lbook.errors import Diagnostics
from d2lbook.util import book_path, is_inside

KNOWN: dict[str, set[str] | None] = {
    "project": {"name", "title", "author", "release", "copyright", "lang", "urls"},
    "build": {
        "index", "notebooks", "non-notebooks", "exclusions", "resources", "dependencies",
        "eval_notebook", "tabs", "output_dir", "sphinx_configs", "rewrite_alias",
        "warning_is_error", "glossary",
    },
    "html": {
        "header_links", "favicon", "html_logo", "include_css", "include_js", "bibfile",
        "analytics", "discussion",
    },
    "pdf": {"main_font", "sans_font", "mono_font", "cjk_font", "bibfile", "latex_logo", "post_latex",
            "style", "latex_url"},  # the last two: d2lbook 1.0.3 keys, read and unused
    "library": {"version_file", "release", "save_filename", "save_mark"},
    "colab": {"github_repo", "libs", "libs_header", "gpu_pattern", "reverse_alias",
              "replace_svg_url", "kernel", "exclusions"},
    "sagemaker": None,
    "deploy": {"github_repo", "s3_bucket", "other_file_s3urls", "google_analytics_tracking_id"},
    "eval": None,  # free-form: per-tab interpreters, timeouts, GPU settings
    "slides": None,
    "translation": None,  # d2lbook 1.0.3's machine-translation settings (d2l-zh has one)
}
LIB_KEYS = {"lib_file", "lib_name", "simple_alias", "fluent_alias", "alias", "args_alias",
            "reverse_alias", "lib_dir"}
TAB_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
LANGS = {"zh", "en", "ja", "ko", "de", "fr", "es", "pt", "ru", "tr", "vi"}


@dataclass
class LibConfig:
    tab: str
    lib_file: Path
    lib_name: str | None
    simple_alias: list[tuple[str, str]] = field(default_factory=list)
    fluent_alias: list[tuple[str, str]] = field(default_factory=list)
    alias: str = ""
    args_alias: list[tuple[str, str]] = field(default_factory=list)
    reverse_alias: list[tuple[str, str]] = field(default_factory=list)  # plain text a -> b


@dataclass
class ColabConfig:
    """``[colab]``: where each tab's Colab-ready notebooks are published and what they
    install first."""

    repos: dict[str, str] = field(default_factory=dict)  # tab -> "owner/repo[#subfolder]"
    libs: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # tab -> (import, pip)
    libs_header: str = ""
    gpu_pattern: str = "gpu"
    image_url: tuple[str, str] | None = None  # (book folder, URL it is published under)


@dataclass
class Config:
    root: Path
    raw: configparser.ConfigParser
    name: str = "book"
    title: str = ""
    author: str = ""
    release: str = "0.0.0"
    copyright: str = ""
    lang: str = "en"
    index: str = "index"
    tabs: list[str] = field(default_factory=lambda: ["default"])
    resources: list[str] = field(default_factory=list)
    exclusions: list[str] = field(default_factory=list)
    output_dir: Path = Path("_build")
    eval_notebook: bool = True
    warning_is_error: bool = False  # [build] warning_is_error, as in d2lbook 1.0.3
    libraries: dict[str, LibConfig] = field(default_factory=dict)
    version_file: Path | None = None
    colab: ColabConfig | None = None  # None: no [colab] github_repo

    @property
    def default_tab(self) -> str:
        return self.tabs[0]

    def get(self, section: str, key: str, default: str | None = None) -> str | None:
        if self.raw.has_option(section, key):
            return self.raw.get(section, key)
        return default

    def lib_file(self, tab: str) -> Path | None:
        lib = self.libraries.get(tab)
        return lib.lib_file if lib else None


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in re.split(r"[,\n]", value) if v.strip()]


def _split_words(value: str) -> list[str]:
    """File lists (``resources``, ``exclusions``): d2lbook 1.0.3 splits them on white
    space (``img/ d2l/ d2l.bib``); commas and new lines separate items too."""
    return [v for v in re.split(r"[\s,]+", value) if v]


def parse_mapping(value: str) -> list[tuple[str, str]]:
    """Parse ``a, b -> c, d`` into ``[(a, a), (b, c), (d, d)]``. Raises ValueError."""
    out = []
    for item in _split_list(value):
        parts = [p.strip() for p in item.split("->")]
        if len(parts) == 1:
            parts = [parts[0], parts[0]]
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"cannot read alias {item!r} (expected 'name' or 'name -> target')")
        out.append((parts[0], parts[1]))
    return out


def parse_args_mapping(value: str, expected: str = "f(args) -> expr",
                       what: str = "argument alias") -> list[tuple[str, str]]:
    """``f(a, b) -> g(b, a)`` per line."""
    out = []
    for line in value.splitlines():
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("->")]
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"cannot read {what} {line!r} (expected '{expected}')")
        out.append((parts[0], parts[1]))
    return out


def load_config(root: Path, diags: Diagnostics) -> Config:
    """Read ``root/config.ini``. Problems go to ``diags``; a missing file yields defaults."""
    root = Path(root).resolve()
    path = root / "config.ini"
    fname = "config.ini"
    raw = configparser.ConfigParser(interpolation=None)
    cfg = Config(root=root, raw=raw)
    cfg.output_dir = root / "_build"
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            diags.error(None, f"not UTF-8 ({e.reason} at byte {e.start})", file=fname)
            return cfg
        try:
            raw.read_string(text, source=fname)
        except configparser.Error as e:
            msg = str(e).replace("\n", " ")
            line = getattr(e, "lineno", None)
            if line is None and getattr(e, "errors", None):
                line = e.errors[0][0]
            diags.error(None, f"malformed config: {msg}",
                        file=f"{fname}:{line}" if line else fname)
            return cfg

    def err(section: str, key: str, msg: str) -> None:
        diags.error(None, f"[{section}] {key}: {msg}", file=fname)

    for section in raw.sections():
        if section.startswith("library-"):
            allowed = LIB_KEYS
        elif section in KNOWN:
            allowed = KNOWN[section]
        else:
            diags.warning(None, f"unknown section [{section}] ignored", file=fname)
            continue
        if allowed is None:
            continue
        for key in raw.options(section):
            if key not in allowed:
                diags.warning(None, f"unknown key [{section}] {key} ignored", file=fname)

    g = cfg.get
    name = (g("project", "name", cfg.name) or cfg.name).strip()
    if re.fullmatch(r"\w[\w .-]*", name) and ".." not in name:
        cfg.name = name
    else:  # it names output files (<name>.pdf, <name>.tex)
        err("project", "name", f"{name!r} is not a plain file name (letters, digits, '-', "
                               "'_', '.'; no path)")
    cfg.title = g("project", "title", "") or ""
    cfg.author = g("project", "author", "") or ""
    cfg.release = g("project", "release", cfg.release) or cfg.release
    cfg.copyright = g("project", "copyright", "") or ""
    lang = (g("project", "lang", "en") or "en").strip()
    if not re.fullmatch(r"[a-z]{2}([_-][A-Za-z]{2,4})?", lang):
        err("project", "lang", f"{lang!r} is not a language code such as 'zh' or 'en'")
    else:
        cfg.lang = lang.split("-")[0].split("_")[0]
    index = (g("build", "index", "index") or "index").strip().removesuffix(".md")
    if index and book_path(root, index + ".md") is not None:
        cfg.index = index
    else:
        err("build", "index", f"{index!r} is not a file of the book (a path relative to it, "
                              "such as 'index')")
    tabs_raw = g("build", "tabs")
    if tabs_raw is not None:
        tabs = _split_list(tabs_raw)
        bad = [t for t in tabs if not TAB_RE.match(t)]
        if not tabs:
            err("build", "tabs", "empty list")
        elif bad:
            err("build", "tabs", f"invalid tab name(s): {', '.join(bad)}")
        elif len(set(tabs)) != len(tabs):
            err("build", "tabs", "a tab is listed twice")
        else:
            cfg.tabs = tabs
    cfg.resources = _split_words(g("build", "resources", "") or "")
    cfg.exclusions = _split_words(g("build", "exclusions", "") or "")
    out = g("build", "output_dir")
    if out is not None:
        if not out.strip():
            err("build", "output_dir", "empty path")
        else:
            cfg.output_dir = _output_dir(root, out.strip(), cfg.index,
                                         lambda m: err("build", "output_dir", m))
    cfg.resources = [r for r in cfg.resources if _resource_ok(root, r, err)]
    ev = g("build", "eval_notebook")
    if ev is not None:
        try:
            cfg.eval_notebook = raw.getboolean("build", "eval_notebook")
        except ValueError:
            err("build", "eval_notebook", f"{ev!r} is not a boolean (True/False)")
    wie = g("build", "warning_is_error")
    if wie is not None:
        try:
            cfg.warning_is_error = raw.getboolean("build", "warning_is_error")
        except ValueError:
            err("build", "warning_is_error", f"{wie!r} is not a boolean (True/False)")
    vf = g("library", "version_file")
    if vf:
        vf = vf.strip()
        if not vf.endswith(".py") or (root / vf).is_symlink():
            err("library", "version_file", f"{vf!r} is not a Python file such as "
                                           "'../d2l/__init__.py' (a symbolic link is refused)")
        else:
            cfg.version_file = (root / vf).resolve()
    _check_eval(cfg, err)
    for section, key in BOOK_FILES:
        for item in _split_list(g(section, key) or ""):
            if not re.match(r"^[a-z]+://", item) and (book_path(root, item) is None
                                                     or (root / item).is_dir()):
                err(section, key, f"{item!r} is not a file inside the book")
    for section in raw.sections():
        if not section.startswith("library-"):
            continue
        tab = section[len("library-"):]
        if tab not in cfg.tabs:
            diags.warning(None, f"[{section}]: tab {tab!r} is not in [build] tabs; ignored",
                          file=fname)
            continue
        lf = g(section, "lib_file")
        if not lf or not lf.strip():
            err(section, "lib_file", "missing: the path of the library file to write")
            continue
        lf = lf.strip()
        if not lf.endswith(".py") or not PurePosixPath(lf).stem.isidentifier():
            err(section, "lib_file", f"{lf!r} is not a Python file name such as "
                                     "'../d2l/torch.py' (the library file it writes)")
            continue
        if (root / lf).is_symlink():
            err(section, "lib_file", f"{lf!r} is a symbolic link; refusing to write through it")
            continue
        if is_inside(root / lf, cfg.output_dir):
            err(section, "lib_file", f"{lf!r} lies inside the build folder, which "
                                     "`d2lbook clean` deletes")
            continue
        lib = LibConfig(tab=tab, lib_file=(root / lf).resolve(),
                        lib_name=(g(section, "lib_name") or "").strip() or None)
        for key, parser in (("simple_alias", parse_mapping), ("fluent_alias", parse_mapping),
                            ("args_alias", parse_args_mapping),
                            ("reverse_alias", lambda v: parse_args_mapping(
                                v, "text -> replacement", "text replacement"))):
            v = g(section, key)
            if v:
                try:
                    setattr(lib, key, parser(v))
                except ValueError as e:
                    err(section, key, str(e))
        if (lib.simple_alias or lib.fluent_alias) and not lib.lib_name:
            err(section, "lib_name", "needed by simple_alias/fluent_alias")
        lib.alias = (g(section, "alias") or "").strip()
        cfg.libraries[tab] = lib
    _load_colab(cfg, err)
    return cfg


def _output_dir(root: Path, value: str, index: str, err) -> Path:
    """``[build] output_dir`` (``d2lbook clean`` deletes it), ``[eval] store`` (its images
    are pruned): a folder strictly inside the book that holds no source. Problems go to
    ``err``; the default ``_build`` is returned then."""
    default = root / "_build"
    path = Path(os.path.realpath(root / value))
    if Path(value).is_absolute() or ".." in PurePosixPath(value.replace("\\", "/")).parts:
        err(f"{value!r} must be a folder inside the book, written relative to it "
            "(such as '_build')")
        return default
    if path == root or root not in path.parents:
        err(f"{value!r} resolves to {path}, not a folder inside the book {root}")
        return default
    if (root / (index + ".md")).resolve().is_relative_to(path) or \
            (path / "config.ini").exists():
        err(f"{value!r} holds the book's sources; `d2lbook clean` would delete them")
        return default
    if path.exists() and not path.is_dir():
        err(f"{value!r} is a file, not a folder")
        return default
    if path.is_dir() and any(path.glob("*.md")):
        err(f"{value!r} holds markdown sources; `d2lbook clean` would delete them")
        return default
    return path


def _resource_ok(root: Path, value: str, err) -> bool:
    """A ``[build] resources`` entry must name a path inside the book."""
    if book_path(root, value) is None:
        err("build", "resources", f"{value!r} lies outside the book (an absolute path, "
                                  "'..', or a symbolic link that leaves it)")
        return False
    return True


# settings naming book files that the outputs read or copy
BOOK_FILES = [("pdf", "bibfile"), ("html", "bibfile"), ("html", "favicon"), ("html", "html_logo"),
              ("html", "include_css"), ("html", "include_js"), ("pdf", "latex_logo")]
EVAL_NUMBERS = {"timeout": (0, False), "notebook_timeout": (0, False),
                "notebooks_per_gpu": (1, True), "max_output": (1, True)}


def _check_eval(cfg: Config, err) -> None:
    """Numbers of ``[eval]``: finite, not below their minimum, integers where counts."""
    for key, (low, integer) in EVAL_NUMBERS.items():
        value = cfg.get("eval", key)
        if value is None or not value.strip():
            continue
        try:
            number = float(value)
        except ValueError:
            err("eval", key, f"{value!r} is not a number")
            continue
        if not math.isfinite(number) or number < low or (integer and number != int(number)):
            kind = "a whole number" if integer else "a number"
            err("eval", key, f"{value!r} must be {kind} of at least {low}")
    store = cfg.get("eval", "store")
    if store is not None and store.strip():  # d2lbook.store writes and prunes it
        _output_dir(cfg.root, store.strip(), cfg.index, lambda m: err("eval", "store", m))
    for item in _split_list(cfg.get("eval", "gpus") or ""):
        n = item.rpartition("=")[2].strip()
        if "=" not in item or not re.fullmatch(r"-?\d+", n) or int(n) < -1:
            err("eval", "gpus", f"cannot read {item!r} (expected 'glob=N', N a whole number, "
                                "-1 for all GPUs)")
    for pat in _split_list(cfg.get("eval", "data") or ""):
        if pat.startswith("/") or ".." in PurePosixPath(pat).parts or "\x00" in pat:
            err("eval", "data", f"{pat!r}: data globs are relative to the book and stay "
                                "inside it")


def _load_colab(cfg: Config, err) -> None:
    """``github_repo``: one ``owner/repo`` (each tab in its own subfolder) or one line per
    tab, ``tab, owner/repo``. ``libs``: lines ``tab, import name, pip arguments`` (or
    ``import name, pip arguments`` for every tab); ``==RELEASE`` becomes the book's release.
    ``replace_svg_url``: ``folder, URL``: images under the book's ``folder`` are linked
    from ``URL`` (Colab cannot see the book's files)."""
    g = cfg.get
    raw = (g("colab", "github_repo") or "").strip()
    if not raw:
        return
    colab = ColabConfig()
    for line in (ln.strip() for ln in raw.splitlines() if ln.strip()):
        parts = [p.strip() for p in line.split(",")]
        if len(parts) == 1 and "/" in parts[0]:
            for t in cfg.tabs:
                colab.repos.setdefault(t, f"{parts[0]}#{t}" if len(cfg.tabs) > 1 else parts[0])
        elif len(parts) == 2 and all(parts) and "/" in parts[1]:
            if parts[0] not in cfg.tabs:
                err("colab", "github_repo", f"tab {parts[0]!r} is not in [build] tabs")
                continue
            colab.repos[parts[0]] = parts[1]
        else:
            err("colab", "github_repo",
                f"cannot read {line!r} (expected 'owner/repo' or 'tab, owner/repo')")
    for line in (ln.strip() for ln in (g("colab", "libs") or "").splitlines() if ln.strip()):
        parts = [p.strip() for p in line.split(",")]
        if len(parts) == 2 and all(parts):
            tabs, name, spec = cfg.tabs, parts[0], parts[1]
        elif len(parts) == 3 and all(parts) and parts[0] in cfg.tabs:
            tabs, name, spec = [parts[0]], parts[1], parts[2]
        else:
            err("colab", "libs", f"cannot read {line!r} (expected 'tab, import name, pip "
                                 "arguments' with a tab from [build] tabs)")
            continue
        spec = spec.replace("==RELEASE", f"=={cfg.release}")
        for t in tabs:
            colab.libs.setdefault(t, []).append((name, spec))
    colab.libs_header = (g("colab", "libs_header") or "").strip()
    colab.gpu_pattern = (g("colab", "gpu_pattern") or colab.gpu_pattern).strip()
    svg = (g("colab", "replace_svg_url") or "").strip()
    if svg:
        parts = [p.strip() for p in svg.split(",")]
        if len(parts) == 2 and all(parts):
            colab.image_url = (parts[0].strip("/"), parts[1].rstrip("/"))
        else:
            err("colab", "replace_svg_url", f"cannot read {svg!r} (expected 'folder, URL')")
    cfg.colab = colab
