"""``d2lbook serve``: live preview while writing.

Builds the website, serves it on localhost (loopback only unless ``--host`` says
otherwise), watches the book's sources, config, bibliography and images with
watchfiles, rebuilds what changed (the HTML builder rewrites only pages whose inputs
changed, including pages whose references were renumbered) and tells open browser
tabs to reload through server-sent events. Errors in the source appear in the
terminal and as a banner on every page, with ``file:line``; the server keeps running
and the banner goes away once the source is fixed. With ``--eval``, changed code is
executed through the evaluation cache and pages show the new outputs when ready.
The search index is brought up to date in the background once edits pause (it takes
a few seconds, so it does not hold up the reload). Ctrl-C stops it cleanly.
"""

from __future__ import annotations

import argparse
import errno
import html
import json
import sys
import threading
import time
import urllib.parse
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from d2lbook.errors import TOLERATED, BuildError, Diagnostics

EVENTS = "/__d2lbook/events"
CLIENT = """<script>(function(){
var v=%(version)d, es=new EventSource("%(events)s");
es.onmessage=function(e){var d=JSON.parse(e.data); if(d.version!==v){location.reload();}};
})();</script>"""
BANNER = ('<div id="d2lbook-errors" role="alert" style="position:sticky;top:0;z-index:9999;'
          'background:#fde8e8;color:#8a1c1c;border-bottom:2px solid #c53030;padding:.6em 1em;'
          'font:14px/1.4 monospace;white-space:pre-wrap">%s</div>')


MAX_URL = 4096  # longer request paths are answered 414 (no file name is that long)


def port_arg(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (0 to 65535; 0 picks a free one)")
    return port


class PreviewServer(ThreadingHTTPServer):
    """The preview's HTTP server: a listen backlog for a browser opening many files at
    once (the standard library's default is 5), worker threads that never block exit."""

    request_queue_size = 128
    daemon_threads = True


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=port_arg, default=8000,
                   help="port (default 8000; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default loopback)")
    p.add_argument("--tab", default=None, help="only check this tab's code with --eval")
    p.add_argument("--eval", action="store_true",
                   help="execute changed code (through the evaluation cache) and show outputs")
    p.add_argument("--out", default=None, help="output folder (default <output_dir>/html)")


class State:
    """What the server shows: the build version and the current errors."""

    def __init__(self) -> None:
        self.version = 0
        self.errors: list[str] = []
        self.cond = threading.Condition()

    def publish(self, errors: list[str]) -> None:
        with self.cond:
            self.version += 1
            self.errors = errors
            self.cond.notify_all()


class Reindexer:
    """Rebuild the search index in a background thread once ``delay`` seconds pass with
    no new page changes: a burst of saves costs one index run, and the page reload
    never waits for it. One run at a time; ``stop()`` ends the thread."""

    def __init__(self, index, delay: float = 2.0, log=print) -> None:
        self.index, self.delay, self.log = index, delay, log
        self.cond = threading.Condition()
        self.due: float | None = None
        self.stopped = False
        self.runs = 0
        self.thread = threading.Thread(target=self._run, name="d2lbook-search", daemon=True)
        self.thread.start()

    def mark(self) -> None:
        with self.cond:
            self.due = time.monotonic() + self.delay
            self.cond.notify()

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.cond.notify()
        self.thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self.cond:
                while not self.stopped and (self.due is None or time.monotonic() < self.due):
                    self.cond.wait(None if self.due is None else self.due - time.monotonic())
                if self.stopped:
                    return
                self.due = None
            t0 = time.perf_counter()
            try:
                status = self.index()
            except Exception as e:  # the preview goes on without a fresh index
                status = f"failed ({type(e).__name__}: {e})"
            self.runs += 1
            self.log(f"search index {status} in {time.perf_counter() - t0:.2f} s")


class Previewer:
    def __init__(self, root: Path, out: Path, run_eval: bool = False, tab: str | None = None,
                 log=print):
        self.root, self.out, self.run_eval, self.tab = root, out, run_eval, tab
        self.state = State()
        self.log = log
        self.first = True
        from d2lbook.source.parse import ParseCache

        self.cache = ParseCache()  # in memory: only changed files are parsed again
        self.results = None  # {tab: {section: SectionResult}}, loaded once
        self.pages_changed = False  # the last build wrote or removed pages

    def build(self, changed: set[str] | None = None) -> float:
        """Rebuild; returns seconds. Errors are published, never raised."""
        from d2lbook.commands.html import load_all_results
        from d2lbook.outputs.html import build_html
        from d2lbook.resolve import resolve
        from d2lbook.source.parse import load_book

        t0 = time.perf_counter()
        diags = Diagnostics()
        errors: list[str] = []
        self.pages_changed = False
        try:
            book = load_book(self.root, diags, raise_errors=False, cache=self.cache)
            from d2lbook.outputs.apidoc import expand_api_blocks

            expand_api_blocks(book, diags)  # the API page's tables (as in cli.load)
            refs = resolve(book, diags)
            if diags.errors:
                raise BuildError(diags.errors)
            if self.run_eval:
                self.evaluate(book)
                self.results = None
            if self.results is None:
                # reading every executed notebook takes a while: once, and again only
                # after this preview executed code (stale results are shown, as in
                # `build html --stale-outputs`, until the code runs again)
                self.results = load_all_results(book, allow_stale=True)
            results = self.results
            report = build_html(book, refs, self.out, results=results, diags=diags,
                                changed=None if self.first else (changed or set()),
                                search=self.first)
            self.pages_changed = bool(report.written or report.removed) and not self.first
            self.first = False
        except BuildError as e:
            errors = [str(d) for d in e.diagnostics]
        except Exception as e:  # keep serving whatever happens in a rebuild
            errors = [f"internal error while building: {type(e).__name__}: {e}"]
        for d in diags.warnings:
            self.log(str(d))
        for msg in errors:
            self.log(msg)
        # source defects that a build tolerates (an unknown reference shows as "??") are
        # the author's to fix: the banner shows them with the errors
        defects = [str(d) for d in diags.warnings if d.code in TOLERATED]
        self.state.publish(errors + [m for m in defects if m not in errors])
        return time.perf_counter() - t0

    def evaluate(self, book) -> None:
        """Run changed code through the evaluation cache (quick mode); failures show as
        error outputs on the page, they do not stop the preview."""
        import io

        from d2lbook.commands.eval import update_library
        from d2lbook.execute import scheduler

        if not update_library(book):
            return
        tabs = [self.tab] if self.tab else [book.config.default_tab]
        opts = scheduler.Options(tabs=tabs, quick=True, keep_going=True,
                                 progress=io.StringIO())
        outcomes, _ = scheduler.execute(book, opts)
        for o in outcomes:
            if o.failed:
                self.log(o.describe())


def make_handler(directory: Path, state: State):
    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args) -> None:  # quiet
            pass

        def bad_request(self) -> bool:
            """Answer 400/414 (and return True) for a request path no file can have: a
            NUL byte or another control character, or an overlong path."""
            if len(self.path) > MAX_URL:
                self.send_error(414, "request path too long")
                return True
            raw = self.path.split("?", 1)[0].split("#", 1)[0]
            try:
                path = urllib.parse.unquote(raw, errors="strict")
            except UnicodeDecodeError:
                self.send_error(400, "request path is not UTF-8")
                return True
            if any(ord(c) < 32 or ord(c) == 127 for c in path) or not raw.startswith("/"):
                self.send_error(400, "malformed request path")
                return True
            return False

        def do_HEAD(self) -> None:  # noqa: N802 (http.server's name)
            if self.bad_request():
                return
            try:
                return super().do_HEAD()
            except (ValueError, OSError):
                self.send_error(400, "malformed request path")

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self.bad_request():
                return
            if self.path.startswith(EVENTS):
                return self.events()
            try:
                p = Path(self.translate_path(self.path))
                if p.is_dir():
                    p = p / "index.html"
                if p.suffix == ".html" and p.is_file():
                    return self.page(p)
                missing = not p.exists()
            except (ValueError, OSError):  # e.g. a path component too long for the system
                return self.send_error(400, "malformed request path")
            if missing and state.errors:
                return self.error_page()
            return super().do_GET()

        def page(self, p: Path) -> None:
            body = p.read_text(encoding="utf-8")
            inject = CLIENT % {"version": state.version, "events": EVENTS}
            if state.errors:
                inject = BANNER % html.escape("\n".join(state.errors)) + inject
            if "<body" in body:
                i = body.index(">", body.index("<body")) + 1
                body = body[:i] + inject + body[i:]
            else:
                body = inject + body
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def error_page(self) -> None:
            body = ("<!doctype html><meta charset=utf-8><title>d2lbook</title><body>"
                    + BANNER % html.escape("\n".join(state.errors))
                    + CLIENT % {"version": state.version, "events": EVENTS}).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def events(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = -1
            try:
                while True:
                    with state.cond:
                        if state.version == seen:
                            state.cond.wait(timeout=15)
                        version, errors = state.version, list(state.errors)
                    if version != seen:
                        msg = json.dumps({"version": version, "errors": errors})
                        self.wfile.write(f"data: {msg}\n\n".encode())
                        seen = version
                    else:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, OSError):
                return

    return partial(Handler, directory=str(directory))


def _watch_filter(out: Path):
    def keep(change, path: str) -> bool:
        p = Path(path)
        if out in p.parents or p == out:
            return False
        parts = set(p.parts)
        if parts & {"_build", ".git", "__pycache__", ".ipynb_checkpoints"}:
            return False
        return not p.name.startswith(".") and not p.name.endswith(("~", ".swp", ".tmp"))
    return keep


def serve(root: Path, out: Path, host: str = "127.0.0.1", port: int = 8000,
          run_eval: bool = False, tab: str | None = None,
          ready: threading.Event | None = None, stop: threading.Event | None = None) -> int:
    import watchfiles

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    pv = Previewer(root, out, run_eval=run_eval, tab=tab, log=log)
    try:  # listen first: a busy port is reported before minutes of building
        server = PreviewServer((host, port), make_handler(out, pv.state))
    except OSError as e:
        why = "is in use" if e.errno == errno.EADDRINUSE else f"cannot be used ({e.strerror})"
        log(f"d2lbook serve: error: {host}:{port} {why}; choose another with --port "
            "(--port 0 picks a free one)")
        return 1
    try:
        secs = pv.build()
        out.mkdir(parents=True, exist_ok=True)
    except BaseException:
        server.server_close()
        raise
    url = f"http://{host}:{server.server_address[1]}/"
    log(f"built in {secs:.2f} s; serving {url} (Ctrl-C stops)")
    stop = stop or threading.Event()

    def index() -> str:
        from d2lbook.outputs.html import index_site

        diags = Diagnostics()
        status = index_site(out, diags)
        return status + "".join(f"\n{d}" for d in diags.warnings)

    reindexer = Reindexer(index, log=log)

    def watcher() -> None:
        for changes in watchfiles.watch(root, watch_filter=_watch_filter(out), stop_event=stop,
                                        debounce=50, step=20, rust_timeout=500):
            changed = set()
            for _, path in changes:
                p = Path(path)
                if p.suffix == ".md":
                    try:
                        changed.add(p.relative_to(root).with_suffix("").as_posix())
                    except ValueError:
                        pass
            secs = pv.build(changed)
            names = ", ".join(sorted(changed)) or "resources"
            log(f"rebuilt after a change to {names} in {secs:.2f} s")
            if pv.pages_changed:
                reindexer.mark()

    t = threading.Thread(target=watcher, name="d2lbook-watch", daemon=True)
    t.start()
    if ready is not None:
        ready.set()
    srv = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                           daemon=True)
    srv.start()
    try:
        while not stop.is_set():
            stop.wait(0.5)
    except KeyboardInterrupt:
        log("stopping")
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        with pv.state.cond:
            pv.state.cond.notify_all()
        t.join(timeout=2)
        reindexer.stop()
    return 0
