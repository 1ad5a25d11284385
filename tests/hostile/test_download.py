"""d2l.download and d2l.extract under broken downloads and hostile archives (issue 26 item 4).

A local HTTP server that honours Range and If-Range plays the remote side. A leftover
``.part`` file is resumed only with a validator (the server's ETag, sent back as If-Range)
or a known SHA-1 that checks the result; a 416 reply is verified, never taken as "complete"
on trust. ``extract`` checks each member's resolved path against the disk as it is at that
moment, so a chain of links cannot escape, with or without the standard library's filter.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import tarfile
import threading
import zipfile
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from d2l import torch as d2l

CONTENT = bytes(range(256)) * 40  # 10 KiB


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        srv = self.server
        srv.requests.append(dict(self.headers))
        body, etag = srv.content, srv.etag
        rng = self.headers.get('Range')
        if_range = self.headers.get('If-Range')
        if rng and not srv.ignore_range and (if_range is None or if_range == etag):
            start = int(rng.split('=')[1].rstrip('-'))
            if start >= len(body):
                self.send_response(416)
                self.send_header('Content-Range', f'bytes */{len(body)}')
                self.send_header('Content-Length', '0')
                self.end_headers()
                return
            part = body[start:]
            self.send_response(206)
            self.send_header('Content-Range', f'bytes {start}-{len(body) - 1}/{len(body)}')
        else:
            part = body
            self.send_response(200)
        if etag and srv.send_etag:
            self.send_header('ETag', etag)
        self.send_header('Content-Length', str(len(part)))
        self.end_headers()
        self.wfile.write(part)


@pytest.fixture
def server():
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    srv.content, srv.etag, srv.requests = CONTENT, '"v1"', []
    srv.ignore_range, srv.send_etag = False, True
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    srv.url = f'http://127.0.0.1:{srv.server_address[1]}/data.bin'
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.delenv('D2L_DATA_DIR', raising=False)
    monkeypatch.setattr(d2l.time, 'sleep', lambda s: None)  # no back-off waits in tests
    return tmp_path / 'data'


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def download(server, folder, sha1_hash=None):
    with redirect_stdout(io.StringIO()):
        return Path(d2l.download(server.url, str(folder), sha1_hash))


def leave_part(folder: Path, data: bytes, etag: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / 'data.bin.part'
    part.write_bytes(data)
    if etag is not None:
        (folder / 'data.bin.part.etag').write_text(etag)
    return part


def test_leftover_part_without_validator_or_sha1_is_discarded(server, folder):
    leave_part(folder, b'GARBAGE-FROM-ANOTHER-FILE')
    path = download(server, folder)
    assert path.read_bytes() == CONTENT
    assert 'Range' not in server.requests[-1]
    assert sorted(os.listdir(folder)) == ['data.bin']


def test_part_with_matching_etag_is_resumed_with_if_range(server, folder):
    leave_part(folder, CONTENT[:4000], etag='"v1"')
    path = download(server, folder)
    assert path.read_bytes() == CONTENT
    req = server.requests[-1]
    assert req['Range'] == 'bytes=4000-' and req['If-Range'] == '"v1"'
    assert sorted(os.listdir(folder)) == ['data.bin']


def test_part_of_an_older_version_is_not_stitched(server, folder):
    leave_part(folder, b'OLD' * 1000, etag='"v0"')  # the server's file has changed since
    path = download(server, folder)
    assert path.read_bytes() == CONTENT  # the server sent the whole new file (200)


def test_part_without_validator_is_resumed_only_with_sha1(server, folder):
    server.send_etag = False
    leave_part(folder, CONTENT[:5000])
    path = download(server, folder, sha1(CONTENT))
    assert path.read_bytes() == CONTENT
    assert server.requests[-1]['Range'] == 'bytes=5000-'


def test_wrong_bytes_resumed_on_sha1_fail_cleanly(server, folder):
    server.send_etag = False
    leave_part(folder, b'X' * 5000)
    with pytest.raises(ValueError, match='SHA-1 mismatch'):
        download(server, folder, sha1(CONTENT))
    assert not folder.joinpath('data.bin').exists()
    assert not list(folder.glob('*.part*'))  # nothing half-written is left
    assert download(server, folder, sha1(CONTENT)).read_bytes() == CONTENT  # next try works


def test_416_with_wrong_content_is_not_complete(server, folder):
    leave_part(folder, b'Y' * len(CONTENT))  # full length, wrong bytes
    path = download(server, folder, sha1(CONTENT))
    assert path.read_bytes() == CONTENT
    assert any(r.get('Range') for r in server.requests) and 'Range' not in server.requests[-1]


def test_416_with_validator_and_matching_length_is_complete(server, folder):
    leave_part(folder, CONTENT, etag='"v1"')
    path = download(server, folder)
    assert path.read_bytes() == CONTENT
    assert len(server.requests) == 1 and server.requests[0]['If-Range'] == '"v1"'


def test_416_with_validator_and_other_length_restarts(server, folder, monkeypatch):
    part = leave_part(folder, CONTENT + b'extra bytes', etag='"v1"')
    d2l.fetch_url(server.url, str(part))
    assert part.read_bytes() == CONTENT
    assert not Path(str(part) + '.etag').exists()


def test_server_ignoring_range_rewrites_from_the_start(server, folder):
    server.ignore_range = True
    leave_part(folder, CONTENT[:3000], etag='"v1"')
    assert download(server, folder).read_bytes() == CONTENT


def test_sha1_mismatch_names_the_file_and_leaves_nothing(server, folder):
    with pytest.raises(ValueError, match=r'data\.bin.*expected 0{40}'):
        download(server, folder, '0' * 40)
    assert list(folder.iterdir()) == []


# ------------------------------------------------------------------- extract


def tar_with(path: Path, members: list[tuple[str, str, str | bytes]]) -> Path:
    """members: (name, kind, target-or-content), kind in file/sym/hard/dir/fifo."""
    with tarfile.open(path, 'w') as tar:
        for name, kind, value in members:
            info = tarfile.TarInfo(name)
            if kind == 'file':
                data = value if isinstance(value, bytes) else value.encode()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                continue
            info.type = {'sym': tarfile.SYMTYPE, 'hard': tarfile.LNKTYPE,
                         'dir': tarfile.DIRTYPE, 'fifo': tarfile.FIFOTYPE}[kind]
            info.linkname = value if kind in ('sym', 'hard') else ''
            tar.addfile(info)
    return path


def snapshot(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob('*')}


@pytest.fixture(params=['with-filter', 'without-filter'])
def stdlib_filter(request, monkeypatch):
    """Run each archive test with and without the standard library's 'data' filter."""
    if request.param == 'without-filter' and hasattr(tarfile, 'data_filter'):
        monkeypatch.delattr(tarfile, 'data_filter')
    return request.param


@pytest.mark.parametrize('members', [
    [('a', 'sym', '.'), ('a/b', 'sym', '..')],              # two-step chain
    [('a', 'sym', '.'), ('a/b', 'sym', '..'), ('a/b/evil', 'file', 'x')],
    [('d', 'dir', ''), ('d/up', 'sym', '../..'), ('d/up/evil', 'file', 'x')],
    [('link', 'sym', '/etc'), ('link/evil', 'file', 'x')],
    [('../evil', 'file', 'x')],
    [('/tmp/evil-abs', 'file', 'x')],
    [('h', 'hard', '../../outside.txt')],
    [('ok.txt', 'file', 'fine'), ('x', 'sym', 'ok.txt'), ('x', 'sym', '../..')],
    [('a', 'sym', 'b'), ('b', 'sym', '.'), ('a/c', 'sym', '../outside.txt')],
    [('deep/er', 'dir', ''), ('deep/er/l', 'sym', '../..'), ('deep/er/l/../../x', 'file', 'x')],
])
def test_escaping_archives_are_refused(tmp_path, members, stdlib_filter):
    (tmp_path / 'outside.txt').write_text('keep')
    archive = tar_with(tmp_path / 'a.tar', members)
    work = tmp_path / 'work'
    work.mkdir()
    before = snapshot(tmp_path)
    with pytest.raises(ValueError, match='outside'):
        d2l.extract(str(archive), str(work / 'out'))
    after = snapshot(tmp_path)
    # nothing appeared outside the target folder, nothing there changed
    assert {p for p in after - before if not p.startswith('work/out')} == set()
    assert (tmp_path / 'outside.txt').read_text() == 'keep'
    assert not os.path.exists('/tmp/evil-abs')
    assert list((work / 'out').iterdir()) == []  # refused before anything was written


def test_special_files_are_refused(tmp_path, stdlib_filter):
    archive = tar_with(tmp_path / 'f.tar', [('pipe', 'fifo', '')])
    with pytest.raises(ValueError, match='special file'):
        d2l.extract(str(archive), str(tmp_path / 'out'))


def test_safe_archive_with_internal_link_extracts(tmp_path, stdlib_filter):
    archive = tar_with(tmp_path / 'ok.tar', [
        ('pkg', 'dir', ''), ('pkg/data.txt', 'file', 'hello'),
        ('pkg/alias.txt', 'sym', 'data.txt')])
    out = Path(d2l.extract(str(archive), str(tmp_path / 'out')))
    assert (out / 'pkg' / 'alias.txt').read_text() == 'hello'


def test_zip_members_that_escape_are_refused(tmp_path):
    archive = tmp_path / 'z.zip'
    with zipfile.ZipFile(archive, 'w') as z:
        z.writestr('fine.txt', 'ok')
        z.writestr('../escape.txt', 'bad')
    with pytest.raises(ValueError, match='outside'):
        d2l.extract(str(archive), str(tmp_path / 'out'))
    assert not (tmp_path / 'escape.txt').exists()
    assert list((tmp_path / 'out').iterdir()) == []  # not even the harmless member


def test_zip_through_a_symlink_already_on_disk_is_refused(tmp_path):
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'lnk').symlink_to(tmp_path)  # left by an earlier extraction, say
    archive = tmp_path / 'z.zip'
    with zipfile.ZipFile(archive, 'w') as z:
        z.writestr('lnk/evil.txt', 'bad')
    with pytest.raises(ValueError, match='outside'):
        d2l.extract(str(archive), str(out))
    assert not (tmp_path / 'evil.txt').exists()


def test_not_an_archive(tmp_path):
    f = tmp_path / 'plain.txt'
    f.write_text('x')
    with pytest.raises(ValueError, match='only zip and tar'):
        d2l.extract(str(f))
