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
        "search_count": "{n} pages contain {q}",
        "search_page_prev": "Previous page",
        "search_page_next": "Next page",
        "search_page_of": "page {k} of {n}",
        "tab_fallback": "This section has no {tab} version yet; the {default} code is shown "
                        "below.",
        "tab_absent_title": "This section has no {tab} code",
        "download_notebooks": "Download notebooks ({tab}, zip)",
        "download_pdf": "PDF",
        "download_notebook_page": "Download notebook",
        "colab_page": "Open in Colab",
        "math_scroll": "scroll sideways to see the whole equation",
        "plot_alt": "Plot",
        "plot_colon": ": ",
        "plot_heatmap": "Heatmaps",
        "plot_images": "A grid of images",
        "plot_trace": "The path an optimiser takes over the function, step by step",
        "plot_training": "Training curves: the x axis is the epoch; each curve is a loss or "
                         "metric recorded during training",
        "plot_sep": "; ",
        "plot_title": "title",
        "plot_x": "x axis",
        "plot_y": "y axis",
        "plot_legend": "curves",
        "plot_alt_cell": "Plot drawn by code cell {n} of this page",
    },
    "zh": {
        "contents": "目录",
        "search": "搜索",
        "search_placeholder": "搜索本书",
        "search_no_index": "搜索索引尚未生成（请完整构建一次 HTML）。",
        "search_none": "没有找到结果：",
        "search_results": "搜索结果：",
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
        "search_count": "共有 {n} 页包含 {q}",
        "search_page_prev": "上一页",
        "search_page_next": "下一页",
        "search_page_of": "第 {k}/{n} 页",
        "tab_fallback": "本节暂无 {tab} 版本，下面显示 {default} 代码。",
        "tab_absent_title": "本节没有 {tab} 代码",
        "download_notebooks": "下载全部笔记本（{tab}，zip）",
        "download_pdf": "PDF",
        "download_notebook_page": "下载笔记本",
        "colab_page": "在 Colab 中打开",
        "math_scroll": "左右滑动查看完整公式",
        "plot_alt": "代码输出的图",
        "plot_colon": "：",
        "plot_heatmap": "热图",
        "plot_images": "图像网格",
        "plot_trace": "优化算法在目标函数上逐步移动的轨迹",
        "plot_training": "训练曲线：横轴是轮数（epoch），每条曲线是训练中记录的一项损失或指标",
        "plot_sep": "；",
        "plot_title": "标题",
        "plot_x": "横轴",
        "plot_y": "纵轴",
        "plot_legend": "曲线",
        "plot_alt_cell": "本页第 {n} 个代码单元输出的图",
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
