"""User-interface strings of the website, per book language (``[project] lang``)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "contents": "Contents",
        "search": "Search",
        "search_placeholder": "Search the book",
        "search_no_index": "The search index has not been built (run a full HTML build).",
        "search_none": "No results for",
        "search_results": "Results for",
        "search_needs_server": "Search needs the site to be served over HTTP "
                               "(for example `d2lbook serve`).",
        "prev": "Previous",
        "next": "Next",
        "discuss": "Discuss this section",
        "home": "Home",
        "menu": "Menu",
        "framework": "Framework",
        "theme": "Toggle dark mode",
        "copy": "Copy",
        "copied": "Copied",
        "show_all": "Show all output ({n} lines)",
        "collapse": "Collapse output",
        "not_available": "This part is not available for {tab}.",
        "download_notebook": "Notebook",
        "download_title": "Download this section as a Jupyter notebook ({tab})",
        "slides": "Slides",
        "slides_title": "This section's slides ({tab})",
        "colab": "Colab",
        "colab_title": "Open this section in Google Colab ({tab})",
        "quick_note": "The outputs on this page come from quick mode: epochs and data were "
                      "reduced so that the book runs on a small CPU, so numbers and plots differ "
                      "from a full run.",
        "quick_changed": "The code of this section changed after its last full run, so the "
                         "outputs below come from quick mode until it is run in full again.",
        "quick_gpu": "A full run of this section needs a GPU and has not been made yet; "
                     "the outputs below come from quick mode.",
        "quick_missing": "No full run of this section has been stored yet; the outputs below "
                         "come from quick mode.",
        "math_error": "This equation could not be rendered; its TeX source is shown.",
        "output_missing": "(output not available)",
        "bibliography": "Bibliography",
        "permalink": "Permalink to this heading",
        "on_this_page": "On this page",
        "skip": "Skip to content",
        "output": "Output",
    },
    "zh": {
        "contents": "目录",
        "search": "搜索",
        "search_placeholder": "搜索本书",
        "search_no_index": "搜索索引尚未生成（请完整构建一次 HTML）。",
        "search_none": "没有找到结果：",
        "search_results": "搜索结果：",
        "search_needs_server": "搜索需要通过 HTTP 访问本站（例如运行 `d2lbook serve`）。",
        "prev": "上一节",
        "next": "下一节",
        "discuss": "讨论本节",
        "home": "首页",
        "menu": "菜单",
        "framework": "框架",
        "theme": "切换深色模式",
        "copy": "复制",
        "copied": "已复制",
        "show_all": "显示全部输出（{n} 行）",
        "collapse": "收起输出",
        "not_available": "这一部分没有 {tab} 版本。",
        "download_notebook": "笔记本",
        "download_title": "下载本节的 Jupyter 笔记本（{tab}）",
        "slides": "幻灯片",
        "slides_title": "本节的幻灯片（{tab}）",
        "colab": "Colab",
        "colab_title": "在 Google Colab 中打开本节（{tab}）",
        "quick_note": "本页的输出由快速模式生成：为了在小型 CPU 上运行全书，训练轮数和数据量都被缩减，"
                      "因此数字和图像与完整运行的结果不同。",
        "quick_changed": "本节代码在上次完整运行后有改动，因此在重新完整运行之前，"
                         "下面显示的是快速模式的输出。",
        "quick_gpu": "本节的完整运行需要 GPU，目前尚未进行，下面显示的是快速模式的输出。",
        "quick_missing": "本节还没有保存完整模式的运行结果，下面显示的是快速模式的输出。",
        "math_error": "此公式无法渲染，下面显示其 TeX 源码。",
        "output_missing": "（没有可用的输出）",
        "bibliography": "参考文献",
        "permalink": "此标题的永久链接",
        "on_this_page": "本页内容",
        "skip": "跳到正文",
        "output": "输出",
    },
}

# How a tab's name is shown; other names are shown as written.
TAB_NAMES = {
    "pytorch": "PyTorch",
    "jax": "JAX",
    "tensorflow": "TensorFlow",
    "mxnet": "MXNet",
    "paddle": "PaddlePaddle",
    "numpy": "NumPy",
    "default": "Python",
}


def strings(lang: str) -> dict[str, str]:
    """The UI strings for ``lang``, English for languages without a translation."""
    base = dict(STRINGS["en"])
    base.update(STRINGS.get(lang, {}))
    return base


def tab_name(tab: str) -> str:
    return TAB_NAMES.get(tab, tab)
