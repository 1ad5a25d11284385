"""The results store (d2lbook/store.py): full-mode outputs committed with the book,
shown by every build while the code they came from is unchanged."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest

from d2lbook import store
from d2lbook.cli import main
from d2lbook.commands import current_results
from d2lbook.commands.numbers import check_numbers, markers, parse_marker, printed_value
from d2lbook.errors import Diagnostics
from d2lbook.results import SectionResult
from d2lbook.source.parse import load_book

BOOKS = Path(__file__).parent / "books"
SMALL = pytest.mark.xdist_group("eval_small")


def evaluate(root: Path, cache: Path, *args: str) -> int:
    return main(["build", "eval", "--book", str(root), "--cache-dir", str(cache), *args])


def texts(result: SectionResult) -> list[str]:
    """The printed text of each code cell (stream chunks joined: a kernel may split them)."""
    return ["".join(o.get("text", "") for o in outs) for outs in result.outputs.values()]


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """eval_small run in full mode with --store: (root, cache)."""
    base = tmp_path_factory.mktemp("store")
    root = base / "book"
    shutil.copytree(BOOKS / "eval_small", root)
    cache = base / "cache"
    assert evaluate(root, cache, "-j", "2", "--store") == 0
    return root, cache


@SMALL
def test_store_is_written_with_its_record(stored):
    root, _ = stored
    book = load_book(root)
    assert store.stored_sections(book.config, "pytorch") == [
        "chapter_a/one", "chapter_a/three", "chapter_a/two"]
    entry = json.loads((root / "_results" / "pytorch" / "chapter_a" / "two.json").read_text())
    assert entry["meta"]["mode"] == "full"
    assert entry["meta"]["device"].startswith(("cpu:", "gpu:"))
    assert "torch" in entry["meta"]["packages"]
    assert entry["meta"]["run_time"] > 0
    assert entry["meta"]["executed"].endswith("Z")


@SMALL
def test_fresh_clone_shows_stored_full_outputs(stored, tmp_path):
    """Without any local evaluation (a fresh clone), builds take the stored results."""
    root, _ = stored
    clone = tmp_path / "clone"
    shutil.copytree(root, clone, ignore=shutil.ignore_patterns("_build"))
    book = load_book(clone)
    results = current_results(book, ["pytorch"])["pytorch"]
    assert set(results) == {"chapter_a/one", "chapter_a/two", "chapter_a/three"}
    assert all(r.origin == "store" and not r.quick for r in results.values())
    assert "full\n" in texts(results["chapter_a/two"])
    assert main(["build", "html", "--book", str(clone), "--no-search"]) == 0
    page = (clone / "_build" / "html" / "chapter_a" / "two.html").read_text()
    assert "quick-note" not in page and "full" in page


@SMALL
def test_changed_code_falls_back_to_quick_and_says_why(stored, tmp_path):
    root, cache = stored
    clone = tmp_path / "clone"
    shutil.copytree(root, clone, ignore=shutil.ignore_patterns("_build"))
    two = clone / "chapter_a" / "two.md"
    two.write_text(two.read_text().replace("print(d2l.scale(5))", "print(d2l.scale(6))"))
    assert evaluate(clone, cache, "-j", "1", "--quick") == 0
    results = current_results(load_book(clone), ["pytorch"])["pytorch"]
    assert results["chapter_a/one"].origin == "store"
    two_r = results["chapter_a/two"]
    assert two_r.origin == "eval" and two_r.quick and two_r.why_quick == "changed"
    assert "12\n" in texts(two_r)
    assert main(["build", "html", "--book", str(clone), "--no-search"]) == 0
    page = (clone / "_build" / "html" / "chapter_a" / "two.html").read_text()
    assert "changed after its last full run" in page
    one = (clone / "_build" / "html" / "chapter_a" / "one.html").read_text()
    assert "quick-note" not in one


def test_quick_results_are_never_stored(tmp_path, capsys):
    root = tmp_path / "book"
    shutil.copytree(BOOKS / "eval_small", root)
    assert evaluate(root, tmp_path / "cache", "--quick", "--store") == 2
    assert "--store keeps full-mode results only" in capsys.readouterr().err
    assert not (root / "_results").exists()


def _png(color: int) -> str:
    # a tiny valid-looking payload; the store treats image bytes as opaque
    return base64.b64encode(bytes([137, 80, 78, 71, color])).decode()


def test_images_are_stored_once_by_content_and_collected(tmp_path):
    root = tmp_path / "book"
    root.mkdir()
    (root / "config.ini").write_text("[project]\nname = x\n")
    book_cfg = load_book_config(root)
    cell = {"index": 0, "execution_count": 1, "outputs": [
        {"output_type": "display_data", "metadata": {},
         "data": {"image/png": _png(1), "text/plain": "<Figure>"}}]}
    store.write_entry(book_cfg, "a/x", "pytorch", "k1", [cell], {"mode": "full"})
    store.write_entry(book_cfg, "a/y", "pytorch", "k2", [cell], {"mode": "full"})
    imgs = list((root / "_results" / "img").iterdir())
    assert len(imgs) == 1 and imgs[0].suffix == ".png"
    back = store.read_entry(book_cfg, "a/y", "pytorch")
    assert back.outputs[0][0]["data"]["image/png"] == _png(1)
    assert back.key == "k2"
    other = dict(cell, outputs=[{"output_type": "display_data", "metadata": {},
                                  "data": {"image/png": _png(2)}}])
    store.write_entry(book_cfg, "a/x", "pytorch", "k3", [other], {"mode": "full"})
    store.write_entry(book_cfg, "a/y", "pytorch", "k4", [other], {"mode": "full"})
    assert store.garbage_collect(book_cfg) == 1
    assert len(list((root / "_results" / "img").iterdir())) == 1


def test_damaged_entry_or_missing_image_is_treated_as_missing(tmp_path):
    root = tmp_path / "book"
    root.mkdir()
    (root / "config.ini").write_text("[project]\nname = x\n")
    cfg = load_book_config(root)
    cell = {"index": 0, "execution_count": 1, "outputs": [
        {"output_type": "display_data", "metadata": {}, "data": {"image/png": _png(3)}}]}
    path = store.write_entry(cfg, "a/x", "pytorch", "k", [cell], {})
    for img in (root / "_results" / "img").iterdir():
        img.unlink()
    assert store.read_entry(cfg, "a/x", "pytorch") is None
    path.write_text("{not json")
    assert store.read_entry(cfg, "a/x", "pytorch") is None


def test_store_folder_outside_the_book_is_refused(tmp_path):
    root = tmp_path / "book"
    root.mkdir()
    (root / "config.ini").write_text("[project]\nname = x\n[eval]\nstore = ../elsewhere\n")
    with pytest.raises(ValueError, match=r"\[eval\] store"):
        store.store_dir(load_book_config(root))


def load_book_config(root: Path):
    from d2lbook.config import load_config

    return load_config(root, Diagnostics())


# ------------------------------------------------------------- numbers in prose

PROSE = """# Sec
:label:`sec_x`

Accuracy reaches 0.73<!--result: validation accuracy ±0.03--> after training,
and the loss {loss}<!--result: train loss ±10%-->.

```{{.python .input}}
%%tab pytorch
print("hi")
```
"""


def _book(tmp_path: Path, loss: str = "0.50"):
    root = tmp_path / "nbook"
    root.mkdir(exist_ok=True)
    (root / "config.ini").write_text("[project]\nname = n\n[build]\ntabs = pytorch\n")
    (root / "index.md").write_text("# Index\n\n```toc\nsec\n```\n")
    (root / "sec.md").write_text(PROSE.format(loss=loss))
    return load_book(root)


def _result(text: str, origin: str = "store") -> dict:
    r = SectionResult(section="sec", tab="pytorch",
                      outputs={0: [{"output_type": "stream", "name": "stdout", "text": text}]},
                      execution_counts={0: 1}, quick=False, executed_notebook=Path("x"),
                      origin=origin)
    return {"pytorch": {"sec": r}}


def test_marker_parsing():
    assert parse_marker("validation accuracy ±0.03") == ("validation accuracy", 0.03, False, None)
    assert parse_marker("ppl ±8%") == ("ppl", pytest.approx(0.08), True, None)
    assert parse_marker("bleu tab=jax") == ("bleu", 0.05, True, "jax")
    outs = {0: [{"output_type": "stream", "text": "validation accuracy: 0.70\n"}],
            1: [{"output_type": "execute_result", "data": {"text/plain": "validation accuracy 0.74"}}]}
    assert printed_value(outs, "validation accuracy") == 0.74
    assert printed_value(outs, "loss") is None
    assert printed_value(outs, "validation accuracy@1") == 0.70
    assert printed_value(outs, "validation accuracy@-1") == 0.74
    assert printed_value(outs, "validation accuracy@3") is None


def test_numbers_within_tolerance_pass(tmp_path):
    book = _book(tmp_path)
    assert [m.quoted for m in markers(book.sections["sec"])] == [0.73, 0.5]
    diags = Diagnostics()
    checked, unchecked = check_numbers(
        book, diags, _result("validation accuracy: 0.741\ntrain loss 0.52\n"))
    assert (checked, unchecked) == (2, []) and not diags.errors


def test_numbers_outside_tolerance_name_file_and_line(tmp_path):
    book = _book(tmp_path, loss="0.90")
    diags = Diagnostics()
    check_numbers(book, diags, _result("validation accuracy: 0.60\ntrain loss 0.52\n"))
    msgs = [str(d) for d in diags.errors]
    assert len(msgs) == 2
    assert all("sec.md:4" in m for m in msgs)
    assert "prose says 0.73" in msgs[0] and "0.6" in msgs[0]


def test_unprinted_metric_is_an_error_and_missing_store_is_listed(tmp_path):
    book = _book(tmp_path)
    diags = Diagnostics()
    check_numbers(book, diags, _result("nothing here\n"))
    assert len(diags.errors) == 2 and "never print" in str(diags.errors[0])
    diags = Diagnostics()
    checked, unchecked = check_numbers(book, diags, _result("x", origin="eval"))
    assert unchecked == ["sec.md:4", "sec.md:4"] and not diags.errors and not diags.warnings


def test_svg_plots_of_two_runs_share_one_file():
    def svg(salt: str, date: str) -> str:
        return (f'<svg><metadata><dc:date>{date}</dc:date></metadata>'
                f'<defs><clipPath id="p{salt}"><rect/></clipPath>'
                f'<path id="m{salt[::-1]}" d="M 0 0"/></defs>'
                f'<g clip-path="url(#p{salt})"><use xlink:href="#m{salt[::-1]}"/></g></svg>')

    a = store.canonical_svg(svg("0123456789", "2026-12-05T22:30:04"))
    b = store.canonical_svg(svg("abcdef0123", "2026-12-06T08:00:00"))
    assert a == b
    assert "dc:date" not in a and 'url(#p000000000)' in a and '"#m000000001"' in a
    different = store.canonical_svg(svg("0123456789", "x").replace("M 0 0", "M 1 1"))
    assert different != a
