"""Draw the SVG figures of the two CNN chapters (book/img/cnn-*.svg).

Run from anywhere: `python book/img/cnn-figures.py`. Every figure is computed
from the same numbers as the code in the corresponding section, so the values
drawn here are the values the code prints.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CELL = 34  # side of one tensor element, in pixels
FONT = "font-family='DejaVu Sans, Noto Sans CJK SC, sans-serif'"
SHADE = '#8fd3f4'
LINE = '#333333'


class Canvas:
    def __init__(self, width, height):
        self.width, self.height, self.items = width, height, []

    def text(self, x, y, s, size=15, anchor='middle', weight='normal', color='#000'):
        self.items.append(
            f"<text x='{x:.1f}' y='{y:.1f}' font-size='{size}' text-anchor='{anchor}' "
            f"font-weight='{weight}' fill='{color}' {FONT} dominant-baseline='central'>{s}</text>")

    def rect(self, x, y, w, h, fill='#ffffff', stroke=LINE, rx=0, width=1.2, dash=None):
        extra = f" stroke-dasharray='{dash}'" if dash else ''
        self.items.append(
            f"<rect x='{x:.1f}' y='{y:.1f}' width='{w:.1f}' height='{h:.1f}' rx='{rx}' "
            f"fill='{fill}' stroke='{stroke}' stroke-width='{width}'{extra}/>")

    def arrow(self, x1, y1, x2, y2):
        self.items.append(
            f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' stroke='{LINE}' "
            "stroke-width='1.4' marker-end='url(#arrow)'/>")

    def grid(self, x, y, values, shade=(), title=None, pad_cells=(), fmt=None):
        """Draw a 2D array with its top-left corner at (x, y); returns its size."""
        values = np.asarray(values)
        rows, cols = values.shape
        for i in range(rows):
            for j in range(cols):
                fill = SHADE if (i, j) in shade else (
                    '#eeeeee' if (i, j) in pad_cells else '#ffffff')
                self.rect(x + j * CELL, y + i * CELL, CELL, CELL, fill=fill)
                v = values[i, j]
                s = fmt(v) if fmt else (f'{int(v)}' if float(v).is_integer() else f'{v:g}')
                self.text(x + (j + 0.5) * CELL, y + (i + 0.5) * CELL, s, size=14)
        if title:
            self.text(x + cols * CELL / 2, y - 14, title, size=15)
        return cols * CELL, rows * CELL

    def save(self, name):
        head = (f"<svg xmlns='http://www.w3.org/2000/svg' width='{self.width}' "
                f"height='{self.height}' viewBox='0 0 {self.width} {self.height}'>\n"
                "<defs><marker id='arrow' markerWidth='10' markerHeight='8' refX='9' refY='4' "
                "orient='auto'><path d='M0,0 L10,4 L0,8 z' fill='#333333'/></marker></defs>\n"
                f"<rect width='{self.width}' height='{self.height}' fill='white'/>\n")
        with open(os.path.join(HERE, name), 'w', encoding='utf-8') as f:
            f.write(head + '\n'.join(self.items) + '\n</svg>\n')


def corr2d(X, K, stride=(1, 1)):
    h, w = K.shape
    oh = (X.shape[0] - h) // stride[0] + 1
    ow = (X.shape[1] - w) // stride[1] + 1
    Y = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            r, c = i * stride[0], j * stride[1]
            Y[i, j] = (X[r:r + h, c:c + w] * K).sum()
    return Y


def block(shape, r0=0, c0=0):
    return {(r0 + i, c0 + j) for i in range(shape[0]) for j in range(shape[1])}


def correlation_figure(name, X, K, stride=(1, 1), pad=0):
    Xp = np.pad(X, pad)
    Y = corr2d(Xp, K, stride)
    pad_cells = {(i, j) for i in range(Xp.shape[0]) for j in range(Xp.shape[1])
                 if i < pad or j < pad or i >= Xp.shape[0] - pad or j >= Xp.shape[1] - pad}
    width = (Xp.shape[1] + K.shape[1] + Y.shape[1]) * CELL + 200
    height = max(Xp.shape[0], 3) * CELL + 60
    c = Canvas(width, height)
    x, top = 20, 40
    w, h = c.grid(x, top, Xp, shade=block(K.shape), title='输入', pad_cells=pad_cells)
    x += w + 25
    c.text(x, top + h / 2, '*', size=22)
    x += 25
    kw, kh = c.grid(x, top + (h - K.shape[0] * CELL) / 2, K, shade=block(K.shape),
                    title='卷积核')
    x += kw + 25
    c.text(x, top + h / 2, '=', size=22)
    x += 25
    c.grid(x, top + (h - Y.shape[0] * CELL) / 2, Y, shade={(0, 0)}, title='输出')
    c.save(name)


def multi_in_figure(name):
    X = np.array([[[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[0, 1, 2], [3, 4, 5], [6, 7, 8]]])
    K = np.array([[[1, 0], [2, 1]], [[0, -1], [1, 0]]])
    Y = corr2d(X[0], K[0]) + corr2d(X[1], K[1])
    c = Canvas(620, 290)
    for ch in range(2):
        top = 40 + ch * 130
        c.grid(20, top, X[ch], shade=block((2, 2)), title=f'输入通道 {ch}')
        c.text(145, top + 51, '*', size=22)
        c.grid(170, top + 17, K[ch], shade=block((2, 2)), title=f'卷积核通道 {ch}')
    c.text(335, 130, '求和', size=15)
    c.arrow(250, 145, 420, 145)
    c.grid(440, 111, Y, shade={(0, 0)}, title='输出')
    c.save(name)


def one_by_one_figure(name):
    c = Canvas(560, 250)

    def stack(x, y, n, label, fill):
        for k in reversed(range(n)):
            dx, dy = 14 * k, -14 * k
            for i in range(3):
                for j in range(3):
                    f = fill if (i, j) == (0, 0) else '#ffffff'
                    c.rect(x + dx + j * 26, y + dy + i * 26, 26, 26, fill=f)
        c.text(x + 39 + 7 * (n - 1), y + 100, label, size=15)

    stack(30, 90, 3, '输入：3 个通道', SHADE)
    c.text(200, 130, '*', size=22)
    for i in range(2):
        for j in range(3):
            c.rect(230 + j * 26, 105 + i * 26, 26, 26, fill=SHADE if i == 0 else '#ffffff')
    c.text(269, 190, '卷积核 2×3×1×1', size=15)
    c.text(345, 130, '=', size=22)
    stack(380, 90, 2, '输出：2 个通道', SHADE)
    c.save(name)


def lenet_figure(name):
    stages = [('输入', '1×28×28'), ('卷积 5×5, 填充 2', '6×28×28'), ('平均汇聚 2×2', '6×14×14'),
              ('卷积 5×5', '16×10×10'), ('平均汇聚 2×2', '16×5×5'), ('全连接', '120'),
              ('全连接', '84'), ('全连接', '10')]
    box_w, box_h, gap = 118, 64, 22
    c = Canvas(len(stages) * (box_w + gap) + 20, 140)
    for k, (op, shape) in enumerate(stages):
        x = 20 + k * (box_w + gap)
        fill = '#fde2c4' if '卷积' in op else ('#d5ecd4' if '汇聚' in op else (
            '#dde3f6' if '全连接' in op else '#f2f2f2'))
        c.rect(x, 38, box_w, box_h, fill=fill, rx=6)
        c.text(x + box_w / 2, 58, op, size=13)
        c.text(x + box_w / 2, 84, shape, size=13, weight='bold')
        if k:
            c.arrow(x - gap, 70, x - 2, 70)
    c.text(20, 18, 'LeNet：sigmoid 激活作用于每个卷积层和前两个全连接层之后', size=13, anchor='start')
    c.save(name)


def flow_figure(name, columns, width, height, title=None):
    """Columns of boxes; each column is (x, [(label, y, fill)], [(from, to)] arrows)."""
    c = Canvas(width, height)
    if title:
        c.text(width / 2, 16, title, size=14)
    for items in columns:
        kind = items[0]
        if kind == 'box':
            _, x, y, w, h, label, fill = items
            c.rect(x - w / 2, y - h / 2, w, h, fill=fill, rx=5)
            c.text(x, y, label, size=13)
        elif kind == 'arrow':
            c.arrow(*items[1:])
        elif kind == 'text':
            _, x, y, label = items
            c.text(x, y, label, size=13)
        elif kind == 'path':
            c.items.append(f"<path d='{items[1]}' fill='none' stroke='{LINE}' "
                           "stroke-width='1.4' marker-end='url(#arrow)'/>")
        elif kind == 'circle':
            _, x, y, label = items
            c.items.append(f"<circle cx='{x}' cy='{y}' r='11' fill='#ffffff' stroke='{LINE}'/>")
            c.text(x, y, label, size=15)
    c.save(name)


CONV, POOL, FC, MISC = '#fde2c4', '#d5ecd4', '#dde3f6', '#f2f2f2'


def inception_figure(name):
    xs = [90, 250, 410, 570]
    items = [('box', 330, 40, 160, 34, '输入', MISC), ('box', 330, 300, 200, 34, '沿通道连结', MISC)]
    rows = [[('1×1 卷积', CONV)], [('1×1 卷积', CONV), ('3×3 卷积, 填充 1', CONV)],
            [('1×1 卷积', CONV), ('5×5 卷积, 填充 2', CONV)],
            [('3×3 最大汇聚, 填充 1', POOL), ('1×1 卷积', CONV)]]
    for x, row in zip(xs, rows):
        ys = [120, 200] if len(row) == 2 else [160]
        items.append(('arrow', 330, 57, x, ys[0] - 18))
        for k, (label, fill) in enumerate(row):
            items.append(('box', x, ys[k], 150, 36, label, fill))
            if k:
                items.append(('arrow', x, ys[k - 1] + 18, x, ys[k] - 18))
        items.append(('arrow', x, ys[-1] + 18, 330, 283))
    flow_figure(name, items, 660, 330)


def residual_figure(name):
    items = []
    for x0, residual in ((150, False), (450, True)):
        items += [('box', x0, 40, 120, 30, '输入 x', MISC),
                  ('box', x0, 95, 150, 30, '3×3 卷积', CONV),
                  ('box', x0, 140, 150, 30, '批量规范化', FC),
                  ('box', x0, 185, 150, 30, 'ReLU', MISC),
                  ('box', x0, 230, 150, 30, '3×3 卷积', CONV),
                  ('box', x0, 275, 150, 30, '批量规范化', FC),
                  ('box', x0, 365, 150, 30, 'ReLU', MISC)]
        items += [('arrow', x0, 55, x0, 79), ('arrow', x0, 110, x0, 124),
                  ('arrow', x0, 155, x0, 169), ('arrow', x0, 200, x0, 214),
                  ('arrow', x0, 245, x0, 259)]
        if residual:
            items += [('arrow', x0, 290, x0, 309), ('circle', x0, 320, '+'),
                      ('arrow', x0, 331, x0, 349),
                      ('path', f'M{x0 + 60},40 L{x0 + 120},40 L{x0 + 120},320 L{x0 + 13},320'),
                      ('text', x0 + 20, 420, '残差块：输出 ReLU(f(x) + x)')]
        else:
            items += [('arrow', x0, 290, x0, 349), ('text', x0, 420, '普通块：输出 ReLU(f(x))')]
    flow_figure(name, items, 620, 440)


def densenet_figure(name):
    items = [('box', 150, 40, 90, 30, 'x', MISC), ('box', 150, 110, 110, 30, 'f(x)', CONV),
             ('circle', 150, 170, '+'), ('box', 150, 230, 120, 30, 'f(x) + x', MISC),
             ('arrow', 150, 55, 150, 94), ('arrow', 150, 125, 150, 158),
             ('arrow', 150, 181, 150, 214),
             ('path', 'M105,40 L60,40 L60,170 L138,170'),
             ('text', 150, 275, 'ResNet：相加'),
             ('box', 450, 40, 90, 30, 'x', MISC), ('box', 450, 110, 110, 30, 'f(x)', CONV),
             ('box', 450, 230, 150, 30, '[x, f(x)]', MISC),
             ('arrow', 450, 55, 450, 94), ('arrow', 450, 125, 450, 214),
             ('path', 'M405,40 L360,40 L360,230 L374,230'),
             ('text', 450, 275, 'DenseNet：沿通道连结')]
    flow_figure(name, items, 600, 300)


def anynet_figure(name):
    items = [('box', 80, 120, 110, 170, '主干（stem）', CONV),
             ('box', 250, 120, 110, 170, '阶段 1', POOL),
             ('box', 390, 120, 110, 170, '阶段 2', POOL),
             ('text', 490, 120, '⋯'),
             ('box', 590, 120, 110, 170, '阶段 n', POOL),
             ('box', 760, 120, 130, 170, '头部（head）', FC),
             ('arrow', 135, 120, 193, 120), ('arrow', 305, 120, 333, 120),
             ('arrow', 445, 120, 470, 120), ('arrow', 510, 120, 533, 120),
             ('arrow', 645, 120, 693, 120),
             ('text', 80, 225, '3×3 卷积, 步幅 2'), ('text', 80, 245, '批量规范化, ReLU'),
             ('text', 420, 225, '每个阶段：d 个 ResNeXt 块，c 个通道，'),
             ('text', 420, 245, 'g 个分组，瓶颈比 k；第一个块步幅为 2'),
             ('text', 760, 225, '全局平均汇聚'), ('text', 760, 245, '全连接层')]
    flow_figure(name, items, 850, 270)


def main():
    correlation_figure('cnn-correlation.svg', np.arange(12).reshape(3, 4),
                       np.array([[1, 2], [0, -1]]))
    correlation_figure('cnn-padding.svg', np.arange(9).reshape(3, 3),
                       np.array([[1, 2], [0, -1]]), pad=1)
    correlation_figure('cnn-stride.svg', np.arange(9).reshape(3, 3),
                       np.array([[1, 2], [0, -1]]), stride=(3, 2), pad=1)
    multi_in_figure('cnn-conv-multi-in.svg')
    one_by_one_figure('cnn-conv-1x1.svg')
    pool = Canvas(330, 170)
    X = np.arange(9).reshape(3, 3)
    pool.grid(20, 40, X, shade=block((2, 2)), title='输入')
    pool.text(150, 91, '2×2 最大汇聚', size=13)
    pool.arrow(120, 110, 200, 110)
    pool.grid(220, 57, np.array([[4, 5], [7, 8]]), shade={(0, 0)}, title='输出')
    pool.save('cnn-pooling.svg')
    lenet_figure('cnn-lenet.svg')
    inception_figure('cnn-inception.svg')
    residual_figure('cnn-residual.svg')
    densenet_figure('cnn-densenet.svg')
    anynet_figure('cnn-anynet.svg')


if __name__ == '__main__':
    main()
