"""``d2lbook build colab``: notebooks ready to open on Colab, and the [colab] config."""

from __future__ import annotations

import json

from d2lbook.cli import main

CONFIG = """[project]
name = t
lang = zh
release = 1.2.3
[build]
tabs = pytorch, jax
resources = img
[library-pytorch]
lib_file = lib/torch.py
lib_name = torch
[colab]
github_repo = pytorch, example/t-pytorch-colab
libs = pytorch, d2l, d2l==RELEASE
    jax, d2l, d2l==RELEASE
    jax, flax, -U flax
libs_header = 安装所需的包：
replace_svg_url = img, https://example.org/_images
"""
SECTION = """# 一节
:label:`sec_a`

![一张图](../img/box.svg)

```{.python .input}
#@tab all
#required_libs("tqdm>=4")
from d2l import torch as d2l
print(d2l.try_gpu())
```
"""
PROSE = "# 只有文字\n\n没有代码。\n"


def _book(make_book):
    return make_book({"chapter/a.md": SECTION, "chapter/b.md": PROSE,
                      "img/box.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"},
                     config=CONFIG)


def test_colab_copies_install_what_they_import_and_link_images(make_book):
    root = _book(make_book)
    assert main(["build", "colab", "--book", str(root)]) == 0
    out = root / "_build" / "colab"
    # only the tab with a repository, only sections with code
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.ipynb")) == [
        "pytorch/chapter/a.ipynb"]
    nb = json.loads((out / "pytorch" / "chapter" / "a.ipynb").read_text(encoding="utf-8"))
    first, second = nb["cells"][0], nb["cells"][1]
    assert first["cell_type"] == "markdown" and "".join(first["source"]) == "安装所需的包："
    assert second["cell_type"] == "code"
    assert "".join(second["source"]) == "!pip install d2l==1.2.3\n!pip install tqdm>=4"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert nb["metadata"]["accelerator"] == "GPU"  # the code mentions the GPU
    md = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "https://example.org/_images/box.svg" in md and "../img/box.svg" not in md


def test_without_a_repository_there_is_nothing_to_build(make_book):
    root = make_book({"a.md": SECTION.replace("![一张图](../img/box.svg)", "")},
                     config=CONFIG.split("[colab]")[0])
    assert main(["build", "colab", "--book", str(root)]) == 2


def test_malformed_colab_config_names_the_key(make_book, capsys):
    bad = CONFIG.replace("jax, flax, -U flax", "tensorflow, tf, tensorflow")
    root = make_book({"a.md": "# A\n"}, config=bad)
    assert main(["build", "colab", "--book", str(root)]) == 1
    err = capsys.readouterr().err
    assert "config.ini" in err and "[colab] libs" in err and "tensorflow" in err
