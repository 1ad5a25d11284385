"""Generate a synthetic book in the d2l source format for benchmarks.

    python -m bench.gen_book OUT [--chapters 20] [--sections 10]

Sections have realistic size and content: prose with inline and display math,
numbered equations, figures, tables, cross references, citations, code cells
for two tabs with ``#@save`` definitions, and ``:begin_tab:`` prose.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

WORDS = ("模型 数据 训练 梯度 损失 参数 网络 优化 样本 特征 向量 矩阵 概率 分布 "
         "误差 学习率 批量 卷积 注意力 序列").split()
KEYS = [f"Author{i}.Other.{1990 + i}" for i in range(40)]


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 16))
    return "".join(words) + "，其中 $x_{" + str(rng.randint(1, 9)) + "}$ 表示输入。"


def paragraph(rng: random.Random, n: int = 4) -> str:
    return "".join(sentence(rng) for _ in range(n))


def section_text(ch: int, k: int, n_sec: int, rng: random.Random) -> str:
    lab = f"c{ch}s{k}"
    out = [f"# 第{ch}章第{k}节\n:label:`sec_{lab}`\n", paragraph(rng, 5) + "\n"]
    prev = f"sec_c{ch}s{k - 1}" if k > 1 else f"chap_{ch}"
    out.append(f"回顾 :numref:`{prev}`，并参考 :cite:`{rng.choice(KEYS)}` 与 "
               f":citet:`{rng.choice(KEYS)}`。\n")
    out.append(f"$$\\mathbf{{y}}_{k} = \\sum_{{i=1}}^n w_i x_i + b$$\n:eqlabel:`eq_{lab}`\n")
    out.append(f"由 :eqref:`eq_{lab}` 可知，" + paragraph(rng, 3) + "\n")
    out.append(f"![图 {lab} 的说明](../img/fig.svg)\n:width:`300px`\n:label:`fig_{lab}`\n")
    out.append(f": 表 {lab}\n\n| 名称 | 值 |\n|:--|--:|\n| a | 1 |\n| b | 2 |\n"
               f":label:`tab_{lab}`\n")
    out.append(f"## 实现\n\n如 :numref:`fig_{lab}` 和 :numref:`tab_{lab}` 所示，"
               + paragraph(rng, 3) + "\n")
    for j in range(3):
        out.append("```{.python .input}\n%%tab pytorch\n"
                   f"def f_{lab}_{j}(x):  #@save\n    \"\"\"Scale x.\"\"\"\n"
                   f"    return x * {j + 1}\n\n\nf_{lab}_{j}(2)\n```\n")
        out.append("```{.python .input}\n%%tab jax\n"
                   f"def f_{lab}_{j}(x):  #@save\n    return x * {j + 1}\n```\n")
        out.append(paragraph(rng, 2) + "\n")
    out.append("```{.python .input}\n%%tab all\nif tab.selected('pytorch'):\n"
               "    y = 1\nif tab.selected('jax'):\n    y = 2\nprint(y)\n```\n")
    out.append(":begin_tab:`pytorch`\nPyTorch 的说明。\n:end_tab:\n\n"
               ":begin_tab:`jax`\nJAX 的说明。\n:end_tab:\n")
    out.append("## 小结\n\n" + "".join(f"* {sentence(rng)}\n" for _ in range(4)))
    out.append("## 练习\n\n" + "".join(f"1. {sentence(rng)}\n" for _ in range(4)))
    return "\n".join(out)


def generate(out: Path, chapters: int = 20, sections: int = 10, seed: int = 0) -> Path:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    (out / "img").mkdir(parents=True)
    (out / "img" / "fig.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="30">'
        '<rect width="60" height="30" fill="#4a8"/></svg>\n')
    (out / "config.ini").write_text(
        "[project]\nname = bench\ntitle = 基准测试书\nlang = zh\nrelease = 1.0\n"
        "[build]\ntabs = pytorch, jax\nresources = img\neval_notebook = False\n"
        "[library-pytorch]\nlib_file = lib/torch.py\nlib_name = torch\n"
        "simple_alias = ones, zeros, concat -> cat\n"
        "[library-jax]\nlib_file = lib/jax.py\nlib_name = jnp\nsimple_alias = ones\n"
        "[pdf]\nbibfile = refs.bib\n", encoding="utf-8")
    (out / "refs.bib").write_text("\n".join(
        f"@article{{{k},\n  title = {{Paper {i}}},\n  author = {{Smith, A. and Jones, B. "
        f"and Lee, C.}},\n  journal = {{Journal}},\n  year = {{{1990 + i}}}\n}}\n"
        for i, k in enumerate(KEYS)), encoding="utf-8")
    chap_list = "\n".join(f"chapter_{c}/index" for c in range(1, chapters + 1))
    (out / "index.md").write_text(
        f"# 基准测试书\n\n```toc\n:maxdepth: 2\n:numbered:\n\n{chap_list}\n```\n\n"
        "```toc\n:maxdepth: 1\n\nreferences\n```\n", encoding="utf-8")
    (out / "references.md").write_text("# 参考文献\n\n:bibliography:`refs.bib`\n",
                                       encoding="utf-8")
    for c in range(1, chapters + 1):
        d = out / f"chapter_{c}"
        d.mkdir()
        secs = "\n".join(f"section_{k}" for k in range(1, sections + 1))
        (d / "index.md").write_text(f"# 第{c}章\n:label:`chap_{c}`\n\n{paragraph(rng)}\n\n"
                                    f"```toc\n:maxdepth: 2\n\n{secs}\n```\n", encoding="utf-8")
        for k in range(1, sections + 1):
            (d / f"section_{k}.md").write_text(section_text(c, k, sections, rng),
                                               encoding="utf-8")
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path)
    p.add_argument("--chapters", type=int, default=20)
    p.add_argument("--sections", type=int, default=10)
    a = p.parse_args()
    generate(a.out, a.chapters, a.sections)
    print(a.out)


if __name__ == "__main__":
    main()
