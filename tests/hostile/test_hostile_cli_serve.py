"""Bad command-line values and malformed requests to the preview server."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hostile import Sandbox, assert_refused

from d2lbook.serve import PreviewServer, State, make_handler


@pytest.mark.parametrize("argv,needle", [
    (("-j", "-5"), "-j/--jobs"),
    (("-j", "many"), "-j/--jobs"),
    (("-j", "100000"), "-j/--jobs"),
    (("--timeout", "nan"), "--timeout"),
    (("--timeout", "inf"), "--timeout"),
    (("--timeout", "-3"), "--timeout"),
    (("--notebook-timeout", "-1"), "--notebook-timeout"),
    (("--cache-dir", "/dev/null"), "--cache-dir"),
    (("--cache-dir", "/dev/null/sub"), "--cache-dir"),
])
def test_bad_eval_arguments(box: Sandbox, argv, needle):
    r = box.run_clean("build", "eval", *argv)
    assert r.rc == 2, r.text
    assert needle in r.text and "Traceback" not in r.text, r.text


def test_cache_dir_that_is_a_file(box: Sandbox):
    r = box.run_clean("build", "eval", "--cache-dir", str(box.outside / "secret.txt"))
    assert r.rc == 2 and "--cache-dir" in r.text, r.text


def test_unknown_tab(box: Sandbox):
    r = box.run_clean("build", "notebooks", "--tab", "mxnet")
    assert r.rc != 0 and "unknown tab 'mxnet'" in r.text, r.text


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_bad_serve_port(box: Sandbox, port):
    r = box.run_clean("serve", "--port", port)
    assert r.rc == 2 and "--port" in r.text, r.text


def test_unknown_command_and_target(box: Sandbox):
    assert box.run_clean("publish").rc == 2
    assert box.run_clean("build", "website").rc == 2


def test_busy_port_is_one_clear_line(box: Sandbox):
    """A second server on a used port says so in one line and exits 1 without building."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "d2lbook", "serve", "--book", str(box.book), "--port",
             str(port)], capture_output=True, text=True, timeout=120)
    finally:
        taken.close()
    assert proc.returncode == 1, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "in use" in lines[0] and "--port" in lines[0], proc.stderr
    assert not (box.build / "html").exists()  # refused before building


@pytest.fixture
def server(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html><body><p>首页</p></body></html>")
    (tmp_path / "secret.txt").write_text("secret")
    srv = PreviewServer(("127.0.0.1", 0), make_handler(site, State()))
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def raw_request(srv, line: bytes) -> bytes:
    with socket.create_connection(srv.server_address[:2], timeout=10) as s:
        s.sendall(line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


def status(data: bytes) -> int:
    return int(data.split(b" ", 2)[1])


@pytest.mark.parametrize("path,code", [
    (b"/a%00b.html", 400),
    (b"/%00", 400),
    (b"/a\x01b", 400),
    (b"/%ff%fe.html", 400),
    (b"/" + b"a" * 5000, 414),
    (b"/" + b"b" * 300 + b".html", (400, 404)),  # a name longer than the system allows
    (b"/../secret.txt", 404),
    (b"/%2e%2e/secret.txt", 404),
    (b"relative.html", 400),
])
@pytest.mark.parametrize("method", [b"GET", b"HEAD"])
def test_malformed_requests_get_4xx_and_the_server_lives(server, path, code, method):
    data = raw_request(server, method + b" " + path + b" HTTP/1.1")
    assert status(data) in (code if isinstance(code, tuple) else (code,)), data[:200]
    assert b"secret" not in data
    c = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    c.request("GET", "/")
    assert c.getresponse().status == 200


def test_listen_backlog_is_not_five(server):
    assert server.request_queue_size >= 128


def test_many_simultaneous_connections(server):
    """A browser opening a page with many assets: 64 connections at once all answered."""
    results = []

    def fetch():
        c = http.client.HTTPConnection(*server.server_address[:2], timeout=20)
        c.request("GET", "/index.html")
        results.append(c.getresponse().status)

    threads = [threading.Thread(target=fetch) for _ in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 64


def test_check_names_eval_key_as_build_eval_would(box: Sandbox):
    """`check` rejects what `build eval` rejects."""
    box.config("[eval]\ntimeout = abc")
    assert_refused(box.run_clean("check"), "[eval] timeout")
    assert_refused(box.run_clean("build", "eval", "--no-lib"), "[eval] timeout")
