"""Cell outputs (nbformat output dicts) to HTML.

Images are written once under ``_images/`` by content hash; everything that
cannot be shown (a malformed output, an unknown image format, HTML that would
load something from outside the site) is dropped with a warning naming the
section and the cell.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
# HTML in an output may show tables and text, never load or run anything
UNSAFE_HTML_RE = re.compile(
    r"<\s*(script|iframe|link|object|embed|base|meta|frame)\b"
    r"|\bsrc\s*=\s*[\"']?\s*(https?:)?//"
    r"|\bon[a-z]+\s*=|url\(\s*[\"']?\s*(https?:)?//",
    re.I)
IMAGE_EXT = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
COLLAPSE_LINES = 40


@dataclass
class OutputImage:
    name: str  # file name under _images/
    data: bytes


@dataclass
class RenderedOutputs:
    html: str
    images: list[OutputImage] = field(default_factory=list)


def _text(value, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    raise ValueError(f"{what} is not text")


def _pre(text: str, cls: str, strings: dict[str, str]) -> str:
    text = ANSI_RE.sub("", text)
    if text.endswith("\n"):
        text = text[:-1]
    n = text.count("\n") + 1
    body = f'<pre class="output {cls}">{html.escape(text, quote=False)}</pre>'
    if n > COLLAPSE_LINES:
        label = html.escape(strings["show_all"].format(n=n))
        less = html.escape(strings["collapse"])
        return (f'<div class="output-long collapsed">{body}'
                f'<button type="button" class="output-toggle" data-more="{label}" '
                f'data-less="{less}">{label}</button></div>')
    return body


def render_outputs(outputs, image_prefix: str, strings: dict[str, str],
                   warn: Callable[[str], None]) -> RenderedOutputs:
    """HTML for one cell's ``outputs`` (a list of nbformat output dicts).

    ``image_prefix`` is the relative URL of ``_images/`` from the page;
    ``warn`` receives a message for every output that is dropped.
    """
    res = RenderedOutputs("")
    if outputs is None:
        return res
    if not isinstance(outputs, list):
        warn("malformed outputs (not a list); dropped")
        return res
    parts: list[str] = []
    # consecutive stream outputs of the same name are shown as one block
    pending: list[str] = []
    pending_name = ""

    def flush() -> None:
        nonlocal pending, pending_name
        if pending:
            cls = "stderr" if pending_name == "stderr" else "stdout"
            parts.append(_pre("".join(pending), cls, strings))
        pending, pending_name = [], ""

    for k, out in enumerate(outputs):
        try:
            if not isinstance(out, dict):
                raise ValueError("not an output object")
            otype = out.get("output_type")
            if otype == "stream":
                name = out.get("name", "stdout")
                text = _text(out.get("text", ""), "stream text")
                if pending and name != pending_name:
                    flush()
                pending_name = name
                pending.append(text)
                continue
            flush()
            if otype == "error":
                tb = out.get("traceback")
                if isinstance(tb, list) and tb and all(isinstance(t, str) for t in tb):
                    text = "\n".join(tb)
                else:
                    text = f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"
                parts.append(_pre(text, "error", strings))
            elif otype in ("execute_result", "display_data"):
                data = out.get("data")
                if not isinstance(data, dict):
                    raise ValueError("display data without a 'data' object")
                parts.append(_display(data, res, image_prefix, strings, warn, k))
            else:
                raise ValueError(f"unknown output_type {otype!r}")
        except ValueError as e:
            flush()
            warn(f"output {k + 1}: {e}; dropped")
    flush()
    res.html = "".join(p for p in parts if p)
    return res


def _display(data: dict, res: RenderedOutputs, image_prefix: str, strings: dict[str, str],
             warn: Callable[[str], None], k: int) -> str:
    if "text/html" in data:
        markup = _text(data["text/html"], "text/html")
        if not UNSAFE_HTML_RE.search(markup):
            return f'<div class="output html">{markup}</div>'
        warn(f"output {k + 1}: HTML that loads or runs something is not shown; "
             "its text form is used")
    if "image/svg+xml" in data:
        svg = _text(data["image/svg+xml"], "image/svg+xml")
        head = svg.lstrip()[:300]
        if not (head.startswith("<svg") or head.startswith("<?xml")) or "<svg" not in svg:
            raise ValueError("image/svg+xml that is not an SVG document")
        if re.search(r"<\s*script\b|\bhref\s*=\s*[\"']\s*(https?:)?//", svg, re.I):
            raise ValueError("SVG that loads or runs something")
        return _image(svg.encode("utf-8"), "svg", res, image_prefix)
    for mime, ext in IMAGE_EXT.items():
        if mime in data:
            raw = data[mime]
            b64 = _text(raw, mime)
            try:
                blob = base64.b64decode(b64.replace("\n", ""), validate=True)
            except (binascii.Error, ValueError):
                raise ValueError(f"{mime} that is not valid base64") from None
            if not _looks_like(blob, ext):
                raise ValueError(f"{mime} data that is not a {ext.upper()} image")
            return _image(blob, ext, res, image_prefix)
    unknown = [m for m in data if m.startswith("image/")]
    if "text/plain" in data:
        if unknown:
            warn(f"output {k + 1}: image format {', '.join(unknown)} cannot be shown; "
                 "its text form is used")
        return _pre(_text(data["text/plain"], "text/plain"), "result", strings)
    if "text/markdown" in data or "text/latex" in data:
        mime = "text/markdown" if "text/markdown" in data else "text/latex"
        return _pre(_text(data[mime], mime), "result", strings)
    if unknown:
        raise ValueError(f"image format {', '.join(unknown)} cannot be shown")
    if "application/json" in data or not data:
        return ""
    raise ValueError(f"no displayable format among {', '.join(sorted(data))}")


def _looks_like(blob: bytes, ext: str) -> bool:
    sigs = {"png": (b"\x89PNG\r\n\x1a\n",), "jpg": (b"\xff\xd8\xff",),
            "gif": (b"GIF87a", b"GIF89a"), "webp": (b"RIFF",)}
    return blob.startswith(sigs[ext])


def _image(blob: bytes, ext: str, res: RenderedOutputs, image_prefix: str) -> str:
    name = hashlib.sha1(blob).hexdigest()[:20] + "." + ext
    res.images.append(OutputImage(name, blob))
    return (f'<div class="output image"><img src="{image_prefix}{name}" alt="" '
            f'loading="lazy"></div>')
