"""Draw the architecture diagrams of chapters 8, 10 and 11 (book/img/arch-*.svg).

Run from anywhere: `python book/img/arch-figures.py`. The layer lists below are the
ones the sections build, and the output shapes written next to each layer are
computed here with the usual formula floor((n + 2p - k) / s) + 1, for the input
size that the section's full-mode training uses, so the figure agrees with what
the section's shape-printing cells report.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FONT = "font-family='DejaVu Sans, Noto Sans CJK SC, sans-serif'"
LINE = '#333333'
COLORS = {'conv': '#cfe8fc', 'pool': '#fde2c8', 'fc': '#d9f2d0', 'norm': '#f3e0f7',
          'act': '#ffffff', 'io': '#eeeeee', 'attn': '#ffe9a8', 'rnn': '#d6eaf8',
          'add': '#ffffff', 'emb': '#e8e8ff'}


def esc(s):
    return s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


class Canvas:
    def __init__(self, width, height):
        self.width, self.height, self.items = width, height, []

    def text(self, x, y, s, size=13, anchor='middle', color='#000', weight='normal'):
        self.items.append(
            f"<text x='{x:.1f}' y='{y:.1f}' font-size='{size}' text-anchor='{anchor}' "
            f"font-weight='{weight}' fill='{color}' {FONT} dominant-baseline='central'>"
            f"{esc(s)}</text>")

    def rect(self, x, y, w, h, fill='#ffffff', rx=4, dash=None, stroke=LINE):
        extra = f" stroke-dasharray='{dash}'" if dash else ''
        self.items.append(
            f"<rect x='{x:.1f}' y='{y:.1f}' width='{w:.1f}' height='{h:.1f}' rx='{rx}' "
            f"fill='{fill}' stroke='{stroke}' stroke-width='1.2'{extra}/>")

    def line(self, points, arrow=True, dash=None, color=LINE):
        d = ' '.join(f'{x:.1f},{y:.1f}' for x, y in points)
        extra = " marker-end='url(#arrow)'" if arrow else ''
        extra += f" stroke-dasharray='{dash}'" if dash else ''
        self.items.append(f"<polyline points='{d}' fill='none' stroke='{color}' "
                          f"stroke-width='1.4'{extra}/>")

    def circle(self, x, y, r, label):
        self.items.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{r}' fill='white' "
                          f"stroke='{LINE}' stroke-width='1.2'/>")
        self.text(x, y, label, size=15)

    def box(self, x, y, w, h, label, kind='conv', detail=None):
        self.rect(x, y, w, h, fill=COLORS[kind])
        if detail:
            self.text(x + w / 2, y + h / 2 - 8, label)
            self.text(x + w / 2, y + h / 2 + 9, detail, size=11, color='#444')
        else:
            self.text(x + w / 2, y + h / 2, label)

    def save(self, name):
        head = (f"<svg xmlns='http://www.w3.org/2000/svg' width='{self.width}' "
                f"height='{self.height}' viewBox='0 0 {self.width} {self.height}'>\n"
                "<defs><marker id='arrow' markerWidth='10' markerHeight='8' refX='9' refY='4' "
                "orient='auto'><path d='M0,0 L10,4 L0,8 z' fill='#333333'/></marker></defs>\n"
                f"<rect width='{self.width}' height='{self.height}' fill='white'/>\n")
        with open(os.path.join(HERE, name), 'w', encoding='utf-8') as f:
            f.write(head + '\n'.join(self.items) + '\n</svg>\n')


# ----------------------------------------------------------------- CNN stacks
def out_size(n, k, s=1, p=0):
    return (n + 2 * p - k) // s + 1


def cnn_layers(spec, size, channels=1):
    """(label, detail, kind) for each layer of `spec`, with the output shape."""
    rows = [('输入', f'{channels} × {size} × {size}', 'io')]
    flat = None
    for layer in spec:
        kind = layer[0]
        if kind == 'conv':
            _, c, k, s, p = layer
            size, channels = out_size(size, k, s, p), c
            st = f'，步幅 {s}' if s > 1 else ''
            rows.append((f'{k}×{k} 卷积{st}，ReLU', f'{c} × {size} × {size}', 'conv'))
        elif kind == 'pool':
            _, k, s, p = layer
            size = out_size(size, k, s, p)
            rows.append((f'{k}×{k} 最大汇聚，步幅 {s}', f'{channels} × {size} × {size}', 'pool'))
        elif kind == 'nin':
            _, c, k, s, p = layer
            size, channels = out_size(size, k, s, p), c
            st = f'，步幅 {s}' if s > 1 else ''
            rows.append((f'NiN 块：{k}×{k} 卷积{st} + 两个 1×1 卷积', f'{c} × {size} × {size}',
                         'conv'))
        elif kind == 'vgg':
            _, n, c = layer
            size, channels = size // 2, c
            rows.append((f'VGG 块：{n} 个 3×3 卷积 + 汇聚', f'{c} × {size} × {size}', 'conv'))
        elif kind == 'gap':
            size = 1
            rows.append(('全局平均汇聚', f'{channels} × 1 × 1', 'pool'))
        elif kind == 'dropout':
            rows.append(('暂退法', None, 'act'))
        elif kind == 'flatten':
            flat = channels * size * size
            rows.append(('展平', f'{flat}', 'io'))
        elif kind == 'fc':
            _, n, extra = layer
            rows.append((f'全连接层{extra}', f'{n}', 'fc'))
    return rows


def draw_stack(c, x, y, w, rows, h=40, gap=14):
    for i, (label, detail, kind) in enumerate(rows):
        top = y + i * (h + gap)
        c.box(x, top, w, h, label, kind, detail)
        if i:
            c.line([(x + w / 2, top - gap), (x + w / 2, top)])
    return y + len(rows) * (h + gap) - gap


def stack_figure(name, columns, width_each=250, h=40, gap=14):
    """Side-by-side layer stacks: columns = [(title, rows)]."""
    n = max(len(rows) for _, rows in columns)
    height = 60 + n * (h + gap)
    c = Canvas(30 + len(columns) * (width_each + 40), height)
    for i, (title, rows) in enumerate(columns):
        x = 30 + i * (width_each + 40)
        c.text(x + width_each / 2, 22, title, size=15, weight='bold')
        draw_stack(c, x, 44, width_each, rows, h, gap)
    c.save(name)


LENET = [('conv', 6, 5, 1, 2), ('pool', 2, 2, 0), ('conv', 16, 5, 1, 0), ('pool', 2, 2, 0),
         ('flatten',), ('fc', 120, '，sigmoid'), ('fc', 84, '，sigmoid'), ('fc', 10, '（输出）')]
ALEXNET = [('conv', 96, 11, 4, 1), ('pool', 3, 2, 0), ('conv', 256, 5, 1, 2), ('pool', 3, 2, 0),
           ('conv', 384, 3, 1, 1), ('conv', 384, 3, 1, 1), ('conv', 256, 3, 1, 1),
           ('pool', 3, 2, 0), ('flatten',), ('fc', 4096, '，ReLU，暂退法'),
           ('fc', 4096, '，ReLU，暂退法'), ('fc', 10, '（输出）')]
VGG11 = [('vgg', 1, 16), ('vgg', 1, 32), ('vgg', 2, 64), ('vgg', 2, 128), ('vgg', 2, 128),
         ('flatten',), ('fc', 4096, '，ReLU，暂退法'), ('fc', 4096, '，ReLU，暂退法'),
         ('fc', 10, '（输出）')]
NIN = [('nin', 96, 11, 4, 0), ('pool', 3, 2, 0), ('nin', 256, 5, 1, 2), ('pool', 3, 2, 0),
       ('nin', 384, 3, 1, 1), ('pool', 3, 2, 0), ('dropout',), ('nin', 10, 3, 1, 1),
       ('gap',), ('flatten',)]


def vgg_block_figure(name):
    c = Canvas(560, 330)
    c.text(140, 22, 'VGG 块', size=15, weight='bold')
    rows = [('输入', 'c × h × w', 'io'), ('3×3 卷积，填充 1，ReLU', 'n × h × w', 'conv'),
            ('……（共 num_convs 个）', None, 'act'),
            ('3×3 卷积，填充 1，ReLU', 'n × h × w', 'conv'),
            ('2×2 最大汇聚，步幅 2', 'n × h/2 × w/2', 'pool')]
    draw_stack(c, 30, 44, 220, rows)
    c.text(420, 22, '网络 = 若干 VGG 块 + 全连接层', size=15, weight='bold')
    rows = [('VGG 块 × 5', '高和宽每块减半', 'conv'), ('展平', None, 'io'),
            ('全连接层 ×2，ReLU，暂退法', '4096', 'fc'), ('全连接层（输出）', '10', 'fc')]
    draw_stack(c, 310, 44, 220, rows)
    c.save(name)


def nin_block_figure(name):
    c = Canvas(300, 260)
    c.text(150, 22, 'NiN 块', size=15, weight='bold')
    rows = [('输入', None, 'io'), ('k×k 卷积，ReLU', '空间上的特征提取', 'conv'),
            ('1×1 卷积，ReLU', '每个像素位置上的全连接层', 'conv'),
            ('1×1 卷积，ReLU', '每个像素位置上的全连接层', 'conv')]
    draw_stack(c, 40, 44, 220, rows, h=42)
    c.save(name)


GOOGLENET = [('输入', '1 × 96 × 96', 'io'),
             ('b1：7×7 卷积（步幅 2），3×3 最大汇聚（步幅 2）', '64 × 24 × 24', 'conv'),
             ('b2：1×1 卷积，3×3 卷积，3×3 最大汇聚', '192 × 12 × 12', 'conv'),
             ('b3：2 个 Inception 块，3×3 最大汇聚', '480 × 6 × 6', 'attn'),
             ('b4：5 个 Inception 块，3×3 最大汇聚', '832 × 3 × 3', 'attn'),
             ('b5：2 个 Inception 块，全局平均汇聚', '1024 × 1 × 1', 'attn'),
             ('展平，全连接层（输出）', '10', 'fc')]

RESNET18 = [('输入', '1 × 96 × 96', 'io'),
            ('7×7 卷积（步幅 2），批量规范化，ReLU', '64 × 48 × 48', 'conv'),
            ('3×3 最大汇聚（步幅 2）', '64 × 24 × 24', 'pool'),
            ('模块 1：2 个残差块', '64 × 24 × 24', 'attn'),
            ('模块 2：2 个残差块（首块步幅 2，1×1 卷积旁路）', '128 × 12 × 12', 'attn'),
            ('模块 3：2 个残差块（同上）', '256 × 6 × 6', 'attn'),
            ('模块 4：2 个残差块（同上）', '512 × 3 × 3', 'attn'),
            ('全局平均汇聚，展平', '512', 'pool'),
            ('全连接层（输出）', '10', 'fc')]


def resnext_figure(name):
    """ResNeXt block: 1x1 -> grouped 3x3 (g groups) -> 1x1, plus a shortcut."""
    c = Canvas(720, 420)
    c.text(330, 20, 'ResNeXt 块', size=15, weight='bold')
    x, w = 210, 240
    ys = [44, 104, 204, 264]
    c.box(x, ys[0], w, 40, '输入 x', 'io', 'c 个通道')
    c.box(x, ys[1], w, 40, '1×1 卷积，批量规范化，ReLU', 'conv', 'c → b 个通道')
    gw = (w - 30) / 4
    for i in range(4):
        gx = x + i * (gw + 10)
        c.rect(gx, 154, gw, 34, fill=COLORS['conv'])
        c.text(gx + gw / 2, 171, f'组 {i + 1}' if i < 3 else '组 g', size=11)
        c.line([(x + w / 2, ys[1] + 40), (gx + gw / 2, 154)])
        c.line([(gx + gw / 2, 188), (x + w / 2, ys[2])])
    c.text(x + w + 10, 171, '3×3 分组卷积（g 组，每组 b/g 个通道）', size=11, anchor='start')
    c.box(x, ys[2], w, 40, '批量规范化，ReLU', 'norm')
    c.box(x, ys[3], w, 40, '1×1 卷积，批量规范化', 'conv', 'b → c 个通道')
    c.line([(x + w / 2, ys[0] + 40), (x + w / 2, ys[1])])
    c.line([(x + w / 2, ys[2] + 40), (x + w / 2, ys[3])])
    c.circle(x + w / 2, 340, 13, '+')
    c.line([(x + w / 2, ys[3] + 40), (x + w / 2, 327)])
    c.line([(x, ys[0] + 20), (150, ys[0] + 20), (150, 340), (x + w / 2 - 13, 340)])
    c.text(140, 190, '旁路', size=12, anchor='end')
    c.text(140, 208, '（改变形状时：', size=11, anchor='end')
    c.text(140, 224, '1×1 卷积 + 批量规范化）', size=11, anchor='end')
    c.box(x, 372, w, 36, 'ReLU → 输出', 'act')
    c.line([(x + w / 2, 353), (x + w / 2, 372)])
    c.save(name)


# --------------------------------------------------------- attention figures
def scoring_figure(name):
    """Attention pooling through a scoring function a(q, k_i)."""
    c = Canvas(720, 330)
    keys = ['k₁', 'k₂', '…', 'kₘ']
    vals = ['v₁', 'v₂', '…', 'vₘ']
    c.line([(490, 48), (490, 292)])  # the weighted values are summed
    c.box(20, 140, 70, 40, '查询 q', 'io')
    for i, (k, v) in enumerate(zip(keys, vals)):
        y = 30 + i * 70
        c.box(130, y, 60, 36, k, 'io')
        c.box(560, y, 60, 36, v, 'io')
        c.box(230, y, 110, 36, f'a(q, {k})' if k != '…' else '…', 'attn')
        c.line([(190, y + 18), (230, y + 18)])
        c.line([(90, 160), (110, 160), (110, y + 30), (230, y + 30)], arrow=False)
        c.circle(490, y + 18, 13, '×')
        c.line([(560, y + 18), (503, y + 18)])
        c.line([(420, y + 18), (477, y + 18)])
    c.rect(380, 24, 40, 260, fill=COLORS['norm'])
    c.text(400, 154, 'softmax', size=12)
    for i in range(4):
        y = 30 + i * 70
        c.line([(340, y + 18), (380, y + 18)])
    c.text(450, 12, '注意力权重 α(q, kᵢ)', size=12)
    c.circle(490, 305, 13, '+')
    c.text(520, 305, '输出 ∑ α(q, kᵢ) vᵢ', size=13, anchor='start')
    c.text(285, 12, '评分函数', size=12)
    c.save(name)


def bahdanau_figure(name):
    """Seq2seq with Bahdanau attention: the decoder's state queries all encoder states."""
    c = Canvas(730, 350)
    n = 4
    xs = [40 + i * 90 for i in range(n)]
    c.text(190, 18, '编码器', size=15, weight='bold')
    for i, x in enumerate(xs):
        c.box(x, 300, 70, 34, f'x{"₁₂₃₄"[i]}' if i < 3 else '<eos>', 'emb')
        c.box(x, 230, 70, 40, f'h{"₁₂₃₄"[i]}', 'rnn')
        c.line([(x + 35, 300), (x + 35, 270)])
        if i:
            c.line([(x - 20, 250), (x, 250)])
    c.box(150, 120, 160, 44, '注意力汇聚', 'attn', '键 = 值 = h₁, …, h₄')
    for x in xs:
        c.line([(x + 35, 230), (x + 35, 200), (230, 200), (230, 164)], arrow=False)
    c.line([(230, 200), (230, 165)])
    c.text(430, 18, '解码器（第 t′ 步）', size=15, weight='bold')
    c.box(520, 230, 110, 40, 's(t′−1)', 'rnn')
    c.text(575, 284, '上一步的隐状态（查询）', size=11)
    c.line([(520, 250), (470, 250), (470, 142), (310, 142)])
    c.box(400, 60, 110, 40, '上下文 c(t′)', 'io')
    c.line([(230, 120), (230, 80), (400, 80)])
    c.box(560, 60, 110, 40, '循环层', 'rnn', '输出 s(t′)')
    c.line([(510, 80), (560, 80)])
    c.box(560, 150, 110, 34, 'y(t′−1) 的嵌入', 'emb')
    c.line([(615, 150), (615, 100)])
    c.line([(630, 250), (700, 250), (700, 80), (670, 80)])
    c.box(560, 8, 110, 30, '全连接层 → 输出', 'fc')
    c.line([(615, 60), (615, 38)])
    c.save(name)


def pretraining_figure(name):
    """Encoder-only, encoder-decoder and decoder-only Transformers and what each attends to."""
    c = Canvas(760, 300)
    titles = ['仅编码器（如 BERT）', '编码器—解码器（如 T5）', '仅解码器（如 GPT）']
    notes = ['每个词元看到全部词元', '解码器看到全部输入和已生成的输出', '每个词元只看到它之前的词元']
    for col, (t, note) in enumerate(zip(titles, notes)):
        x0 = 20 + col * 250
        c.text(x0 + 110, 20, t, size=14, weight='bold')
        c.text(x0 + 110, 280, note, size=11, color='#444')
        mask = [[1] * 5 for _ in range(5)]
        if col == 2:
            mask = [[1 if j <= i else 0 for j in range(5)] for i in range(5)]
        if col == 1:
            # 3 source tokens, 2 target tokens: targets see all sources and earlier targets;
            # sources see only sources
            mask = [[1 if (j < 3 and i < 3) or (i >= 3 and (j < 3 or j <= i)) else 0
                     for j in range(5)] for i in range(5)]
        cell = 34
        gx, gy = x0 + 25, 50
        for i in range(5):
            for j in range(5):
                fill = '#8fd3f4' if mask[i][j] else '#ffffff'
                c.rect(gx + j * cell, gy + i * cell, cell, cell, fill=fill, rx=0)
        c.text(gx - 12, gy + 2.5 * cell, '查询', size=11, anchor='end')
        c.text(gx + 2.5 * cell, gy + 5 * cell + 14, '键', size=11)
        if col == 1:
            c.line([(gx + 3 * cell, gy - 6), (gx + 3 * cell, gy + 5 * cell + 4)], arrow=False,
                   dash='4,3', color='#c0392b')
            c.text(gx + 1.5 * cell, gy - 12, '输入', size=10)
            c.text(gx + 4 * cell, gy - 12, '输出', size=10)
    c.save(name)


# ------------------------------------------------------- more teaching figures
def tokens_row(c, x, y, tokens, w=58, h=30, fills=None, size=12):
    for i, t in enumerate(tokens):
        fill = fills[i] if fills else '#ffffff'
        c.rect(x + i * w, y, w, h, fill=fill, rx=0)
        c.text(x + i * w + w / 2, y + h / 2, t, size=size)
    return x + len(tokens) * w


def norm_axes_figure(name):
    """Which numbers one mean/variance is computed over: BN (FC), BN (conv), LN."""
    c = Canvas(780, 260)
    n, f = 5, 6
    cell = 26
    panels = [('全连接层的批量规范化', '一个特征：批量中的所有样本'),
              ('卷积层的批量规范化', '一个通道：所有样本的所有位置'),
              ('层规范化', '一个样本：它的所有特征')]
    for k, (title, note) in enumerate(panels):
        x0, y0 = 40 + k * 250, 50
        c.text(x0 + f * cell / 2 + 10, 20, title, size=14, weight='bold')
        for i in range(n):
            for j in range(f):
                if k == 0:
                    on = j == 2
                elif k == 1:
                    on = j in (2, 3)  # columns 2-3: the positions of one channel
                else:
                    on = i == 1
                c.rect(x0 + j * cell, y0 + i * cell, cell, cell,
                       fill='#8fd3f4' if on else '#ffffff', rx=0)
        if k == 1:
            for ch in range(3):
                c.text(x0 + (2 * ch + 1) * cell, y0 + n * cell + 12, f'通道 {ch + 1}', size=10)
            c.text(x0 + f * cell / 2, y0 + n * cell + 30, '（每个通道占两列：它的各个位置）', size=10)
        else:
            c.text(x0 + f * cell / 2, y0 + n * cell + 14, '特征', size=11)
        c.text(x0 - 10, y0 + n * cell / 2, '样本', size=11, anchor='end')
        c.text(x0 + f * cell / 2, 238, note, size=11, color='#444')
    c.save(name)


def connectivity_figure(name):
    """How 5 positions are connected by a CNN (kernel 3), an RNN and self-attention."""
    c = Canvas(780, 230)
    titles = [('卷积神经网络（核大小 3）', '最长路径 O(n/k)'),
              ('循环神经网络', '顺序操作 O(n)，最长路径 O(n)'),
              ('自注意力', '最长路径 O(1)')]
    for k, (title, note) in enumerate(titles):
        x0 = 30 + k * 255
        c.text(x0 + 100, 18, title, size=14, weight='bold')
        xs = [x0 + 10 + i * 45 for i in range(5)]
        for i, x in enumerate(xs):
            c.rect(x, 170, 30, 26, fill=COLORS['emb'])
            c.text(x + 15, 183, f'x{"₁₂₃₄₅"[i]}', size=12)
            c.rect(x, 50, 30, 26, fill=COLORS['rnn'] if k == 1 else COLORS['attn'])
            c.text(x + 15, 63, f'y{"₁₂₃₄₅"[i]}', size=12)
        for i, xi in enumerate(xs):
            if k == 0:
                src = [j for j in (i - 1, i, i + 1) if 0 <= j < 5]
            elif k == 1:
                src = [i]
            else:
                src = range(5)
            for j in src:
                c.line([(xs[j] + 15, 170), (xi + 15, 76)], arrow=False, color='#777')
            if k == 1 and i:
                c.line([(xs[i - 1] + 30, 63), (xi, 63)])
        c.text(x0 + 100, 215, note, size=11, color='#444')
    c.save(name)


def masked_softmax_figure(name):
    import math
    scores = [1.0, 2.0, 0.5, 3.0]
    valid = 2
    z = sum(math.exp(v) for v in scores[:valid])
    probs = [math.exp(v) / z if i < valid else 0.0 for i, v in enumerate(scores)]
    c = Canvas(640, 220)
    x = 150
    c.text(70, 45, '评分', size=12)
    tokens_row(c, x, 30, [f'{v:g}' for v in scores], w=70,
               fills=['#ffffff'] * valid + ['#eeeeee'] * (4 - valid))
    c.text(70, 105, '掩码之后', size=12)
    tokens_row(c, x, 90, [f'{v:g}' for v in scores[:valid]] + ['−10⁶'] * (4 - valid), w=70,
               fills=['#ffffff'] * valid + ['#eeeeee'] * (4 - valid))
    c.text(70, 165, 'softmax', size=12)
    tokens_row(c, x, 150, [f'{p:.3f}' for p in probs], w=70,
               fills=['#8fd3f4'] * valid + ['#eeeeee'] * (4 - valid))
    c.line([(x + 140, 62), (x + 140, 88)])
    c.line([(x + 140, 122), (x + 140, 148)])
    c.text(x + 290, 45, f'有效长度 {valid}：后两个是填充位置', size=11, anchor='start')
    c.text(x + 290, 165, '填充位置的权重为 0', size=11, anchor='start')
    c.save(name)


def additive_figure(name):
    c = Canvas(520, 300)
    c.box(40, 230, 90, 36, '查询 q', 'io')
    c.box(200, 230, 90, 36, '键 k', 'io')
    c.box(30, 160, 110, 36, 'W_q q', 'fc')
    c.box(190, 160, 110, 36, 'W_k k', 'fc')
    c.line([(85, 230), (85, 196)])
    c.line([(245, 230), (245, 196)])
    c.circle(165, 125, 13, '+')
    c.line([(85, 160), (85, 125), (152, 125)])
    c.line([(245, 160), (245, 125), (178, 125)])
    c.box(120, 70, 90, 32, 'tanh', 'act')
    c.line([(165, 112), (165, 102)])
    c.box(110, 14, 110, 34, 'w_vᵀ (·)', 'fc')
    c.line([(165, 70), (165, 48)])
    c.text(240, 31, '→ 评分 a(q, k)（一个标量）', size=12, anchor='start')
    c.text(330, 178, 'W_q、W_k 把查询和键', size=11, anchor='start', color='#444')
    c.text(330, 196, '映射到同一个 h 维空间', size=11, anchor='start', color='#444')
    c.save(name)


def lm_windows_figure(name):
    text = list('the time ma')
    c = Canvas(760, 290)
    c.text(30, 30, '语料', size=12, anchor='start')
    tokens_row(c, 100, 15, [t if t != ' ' else '␣' for t in text], w=52)
    n = 5
    for r, start in enumerate((0, 1, 2)):
        y = 70 + r * 60
        c.text(30, y + 15, f'第 {start + 1} 个窗口', size=11, anchor='start')
        x_tokens = text[start:start + n]
        y_tokens = text[start + 1:start + n + 1]
        for i in range(len(text)):
            if start <= i < start + n:
                c.rect(100 + i * 52, y, 52, 22, fill='#cfe8fc', rx=0)
                c.text(100 + i * 52 + 26, y + 11, x_tokens[i - start].replace(' ', '␣'), size=11)
            if start + 1 <= i < start + n + 1:
                c.rect(100 + i * 52, y + 24, 52, 22, fill='#d9f2d0', rx=0)
                c.text(100 + i * 52 + 26, y + 35, y_tokens[i - start - 1].replace(' ', '␣'),
                       size=11)
        del y_tokens
    c.rect(100, 268, 14, 10, fill='#cfe8fc', rx=0)
    c.text(120, 273, '输入 X（num_steps = 5）', size=11, anchor='start')
    c.rect(330, 268, 14, 10, fill='#d9f2d0', rx=0)
    c.text(350, 273, '标签 Y：向后错开一位', size=11, anchor='start')
    c.save(name)


def mt_pad_figure(name):
    c = Canvas(840, 210)
    steps = 6
    rows = [(['go', '.', '<eos>'], '有效长度 3'),
            (['i', 'lost', '.', '<eos>'], '有效长度 4'),
            (['we', 'have', 'to', 'go', 'home', '.', '<eos>'], '截断：<eos> 被切掉')]
    c.text(400, 18, f'num_steps = {steps}', size=13, weight='bold')
    for r, (toks, note) in enumerate(rows):
        y = 40 + r * 55
        kept = toks[:steps] + ['<pad>'] * (steps - len(toks))
        fills = ['#eeeeee' if t == '<pad>' else '#cfe8fc' for t in kept]
        end = tokens_row(c, 190, y, kept, w=70, fills=fills)
        c.text(180, y + 15, ' '.join(toks[:-1]), size=12, anchor='end')
        if len(toks) > steps:
            c.rect(end, y, 70, 30, fill='#ffffff', rx=0, dash='4,3')
            c.text(end + 35, y + 15, toks[steps], size=12, color='#c0392b')
        c.text(end + 80 if len(toks) > steps else end + 10, y + 15, note, size=11,
               anchor='start', color='#444')
    c.save(name)


def teacher_forcing_figure(name):
    c = Canvas(700, 200)
    inputs = ['<bos>', 'je', 'suis', 'chez', 'moi', '.']
    labels = ['je', 'suis', 'chez', 'moi', '.', '<eos>']
    c.text(70, 150, '解码器输入', size=12)
    c.text(70, 40, '标签', size=12)
    x = 140
    for i, (a, b) in enumerate(zip(inputs, labels)):
        c.box(x + i * 90, 132, 76, 34, a, 'emb')
        c.box(x + i * 90, 24, 76, 34, b, 'fc')
        c.box(x + i * 90, 78, 76, 30, '解码器', 'rnn')
        c.line([(x + i * 90 + 38, 132), (x + i * 90 + 38, 108)])
        c.line([(x + i * 90 + 38, 78), (x + i * 90 + 38, 58)])
        if i:
            c.line([(x + i * 90 - 14, 93), (x + i * 90, 93)])
    c.text(400, 190, '训练时每一步都输入真实的前一个词元（强制教学），而不是模型自己的预测',
           size=11, color='#444')
    c.save(name)


def module_tree_figure(name):
    c = Canvas(620, 250)
    c.rect(20, 30, 580, 200, fill='#fafafa')
    c.text(310, 48, 'nn.Sequential：按顺序调用它包含的块', size=13, weight='bold')
    c.rect(40, 70, 330, 140, fill='#f3f8ff')
    c.text(205, 88, 'MLP（自定义块）：forward 描述计算', size=12)
    c.box(60, 110, 130, 36, 'hidden', 'fc', 'LazyLinear(256)')
    c.box(60, 160, 130, 36, 'ReLU', 'act', 'F.relu，无参数')
    c.box(220, 110, 130, 36, 'out', 'fc', 'LazyLinear(10)')
    c.line([(190, 178), (205, 178), (205, 128), (220, 128)])
    c.line([(125, 146), (125, 160)])
    c.box(400, 120, 180, 44, '另一个块', 'conv', '块可以任意嵌套')
    c.line([(370, 142), (400, 142)])
    c.save(name)


def lazy_figure(name):
    c = Canvas(900, 190)
    c.text(215, 18, '第一次前向传播之前', size=13, weight='bold')
    c.text(665, 18, '送入 X（形状 3 × 7）之后', size=13, weight='bold')
    before = [('LazyLinear(64)', 'weight：形状未知'), ('ReLU', None),
              ('LazyLinear(5)', 'weight：形状未知')]
    after = [('Linear', 'weight：64 × 7'), ('ReLU', None), ('Linear', 'weight：5 × 64')]
    for col, rows in enumerate((before, after)):
        x = 20 + col * 450
        for i, (label, detail) in enumerate(rows):
            kind = 'act' if label == 'ReLU' else ('io' if col == 0 else 'fc')
            c.box(x + i * 145, 50, 125, 46, label, kind, detail)
            if i:
                c.line([(x + i * 145 - 20, 73), (x + i * 145, 73)])
    c.line([(430, 73), (470, 73)])
    c.text(450, 130, '形状沿网络逐层传下去：第一层从输入的最后一维读出 7，', size=11, color='#444')
    c.text(450, 150, '第二层从第一层输出的 64 维读出 64', size=11, color='#444')
    c.save(name)


def tied_figure(name):
    c = Canvas(760, 150)
    layers = ['Linear(6)', 'Tanh', 'tied', 'Tanh', 'tied', 'Tanh', 'Linear(3)']
    for i, l in enumerate(layers):
        kind = 'act' if l == 'Tanh' else ('attn' if l == 'tied' else 'fc')
        c.box(20 + i * 105, 40, 90, 36, l, kind)
        if i:
            c.line([(20 + i * 105 - 15, 58), (20 + i * 105, 58)])
    c.line([(20 + 2 * 105 + 45, 76), (20 + 2 * 105 + 45, 110), (20 + 4 * 105 + 45, 110),
            (20 + 4 * 105 + 45, 76)], arrow=False, dash='5,4', color='#c0392b')
    c.text(20 + 3 * 105 + 45, 126, '同一个层对象：两个位置共用一份权重，梯度相加', size=11,
           color='#c0392b')
    c.save(name)


def oo_figure(name):
    c = Canvas(760, 250)
    c.box(30, 40, 170, 50, 'DataModule', 'io', 'train_dataloader()')
    c.box(275, 40, 170, 50, 'Trainer', 'attn', 'fit(model, data)')
    c.box(520, 40, 170, 50, 'Module', 'rnn', 'forward、loss')
    c.line([(200, 65), (275, 65)])
    c.line([(445, 65), (520, 65)])
    c.rect(255, 140, 210, 96, fill=COLORS['fc'])
    c.text(360, 156, '对每个小批量', size=12, weight='bold')
    c.text(360, 178, 'training_step → loss', size=11)
    c.text(360, 196, 'backward → 优化器更新', size=11)
    c.text(360, 216, '（每轮之后 validation_step）', size=11)
    c.line([(360, 90), (360, 150)])
    c.text(613, 115, 'configure_optimizers()', size=11, color='#444', anchor='start')
    c.line([(605, 90), (605, 185), (465, 185)])
    c.text(123, 115, '小批量', size=11, color='#444', anchor='start')
    c.line([(115, 90), (115, 185), (255, 185)])
    c.save(name)


def kfold_figure(name):
    k = 5
    c = Canvas(560, 40 + k * 34 + 40)
    c.text(280, 18, f'{k} 折交叉验证：每一轮用一折验证，其余训练', size=13, weight='bold')
    for r in range(k):
        y = 40 + r * 34
        c.text(60, y + 14, f'第 {r + 1} 轮', size=11)
        for j in range(k):
            fill = '#fde2c8' if j == r else '#cfe8fc'
            c.rect(110 + j * 80, y, 76, 28, fill=fill, rx=0)
            c.text(110 + j * 80 + 38, y + 14, '验证' if j == r else '训练', size=11)
    c.text(280, 40 + k * 34 + 18, f'报告 {k} 轮验证误差的平均值', size=11, color='#444')
    c.save(name)


def receptive_field_figure(name):
    c = Canvas(620, 275)
    cell = 26

    def grid(x, y, n, shade):
        for i in range(n):
            for j in range(n):
                c.rect(x + j * cell, y + i * cell, cell, cell,
                       fill='#8fd3f4' if (i, j) in shade else '#ffffff', rx=0)

    grid(20, 50, 7, {(i, j) for i in range(1, 6) for j in range(1, 6)})
    c.text(20 + 3.5 * cell, 30, '输入：5 × 5 的区域', size=12)
    grid(260, 76, 5, {(i, j) for i in range(1, 4) for j in range(1, 4)})
    c.text(260 + 2.5 * cell, 56, '第一个 3×3 卷积的输出', size=12)
    grid(480, 102, 3, {(1, 1)})
    c.text(480 + 1.5 * cell, 82, '第二个 3×3 卷积', size=12)
    c.line([(210, 141), (255, 141)])
    c.line([(395, 141), (475, 141)])
    c.text(310, 258, '两个 3×3 卷积层（无填充）叠起来，输出的一个元素取决于输入的 5×5 区域', size=11,
           color='#444')
    c.save(name)


def more_figures():
    norm_axes_figure('arch-norm-axes.svg')
    connectivity_figure('arch-cnn-rnn-attention.svg')
    masked_softmax_figure('arch-masked-softmax.svg')
    additive_figure('arch-additive-attention.svg')
    lm_windows_figure('arch-lm-windows.svg')
    mt_pad_figure('arch-mt-padding.svg')
    teacher_forcing_figure('arch-teacher-forcing.svg')
    module_tree_figure('arch-module-tree.svg')
    lazy_figure('arch-lazy-init.svg')
    tied_figure('arch-tied-params.svg')
    oo_figure('arch-oo-design.svg')
    kfold_figure('arch-kfold.svg')
    receptive_field_figure('arch-receptive-field.svg')


# ----------------------------------------------------------- batch three
def multi_out_figure(name):
    """c_o output channels: one c_i-channel kernel per output channel."""
    c = Canvas(720, 230)
    c.box(20, 90, 120, 50, '输入', 'io', 'c_i × h × w')
    for o in range(3):
        y = 20 + o * 70
        label = f'卷积核 {o + 1}' if o < 2 else f'卷积核 c_o'
        c.box(220, y, 150, 44, label, 'conv', 'c_i × k_h × k_w')
        c.box(460, y, 150, 44, f'输出通道 {o + 1}' if o < 2 else '输出通道 c_o', 'fc', 'h′ × w′')
        c.line([(140, 115), (180, 115), (180, y + 22), (220, y + 22)])
        c.line([(370, y + 22), (460, y + 22)])
    c.text(295, 222, '卷积核张量：c_o × c_i × k_h × k_w', size=12, color='#444')
    c.text(660, 115, '连结', size=12, color='#444')
    c.save(name)


def gap_figure(name):
    c = Canvas(620, 215)
    for k in range(4):
        x = 40 + k * 22
        y = 40 + k * 16
        c.rect(x, y, 90, 90, fill=['#cfe8fc', '#d9f2d0', '#fde2c8', '#f3e0f7'][k])
    c.text(110, 200, '10 个通道，每个 h × w', size=12)
    c.line([(250, 110), (330, 110)])
    c.text(290, 92, '每个通道取平均', size=11, color='#444')
    for k in range(4):
        c.rect(350 + k * 44, 94, 34, 34, fill=['#cfe8fc', '#d9f2d0', '#fde2c8', '#f3e0f7'][k])
    c.text(460, 150, '10 个数：每类一个得分（图中只画出 4 个通道）', size=11, color='#444')
    c.save(name)


def rnn_shapes_figure(name):
    c = Canvas(760, 200)
    rows = [('输入 X', '(批量, 时间步)', 'io'), ('转置 + 独热编码', '(时间步, 批量, 词表)', 'emb'),
            ('循环层', '(时间步, 批量, 隐藏单元)', 'rnn'), ('输出层', '(批量, 时间步, 词表)', 'fc')]
    for i, (a, b, k) in enumerate(rows):
        x = 15 + i * 188
        c.box(x, 60, 170, 56, a, k, b)
        if i:
            c.line([(x - 18, 88), (x, 88)])
    c.text(380, 160, '时间步放在第一维，循环才能沿第一维逐步取出每个时间步的小批量', size=11,
           color='#444')
    c.save(name)


def clip_figure(name):
    import math
    c = Canvas(420, 320)
    cx, cy, r = 150, 170, 90
    c.items.append(f"<circle cx='{cx}' cy='{cy}' r='{r}' fill='#f3f8ff' stroke='#333' "
                   "stroke-width='1.2' stroke-dasharray='5,4'/>")
    gx, gy = 230, -100
    n = math.hypot(gx, gy)
    c.line([(cx, cy), (cx + gx, cy + gy)], color='#c0392b')
    c.line([(cx, cy), (cx + gx * r / n, cy + gy * r / n)], color='#1f6fb2')
    c.text(cx + gx + 6, cy + gy - 10, 'g', size=15, anchor='start', color='#c0392b')
    c.text(cx + gx * r / n - 30, cy + gy * r / n - 6, '(θ/‖g‖) g', size=13, anchor='end',
           color='#1f6fb2')
    c.text(cx, cy + r + 16, '半径 θ', size=12)
    c.text(210, 305, '‖g‖ > θ 时，把 g 缩放到球面上；方向不变', size=11, color='#444')
    c.save(name)


def sgd_loop_figure(name):
    c = Canvas(680, 230)
    steps = [('随机取一个小批量', 'io'), ('前向传播：预测 ŷ', 'fc'), ('计算损失 l(ŷ, y)', 'attn'),
             ('反向传播：求梯度', 'norm'), ('更新参数 w ← w − η g', 'conv')]
    pos = [(20, 30), (250, 30), (480, 30), (480, 150), (250, 150)]
    for (label, kind), (x, y) in zip(steps, pos):
        c.box(x, y, 180, 44, label, kind)
    c.line([(200, 52), (250, 52)])
    c.line([(430, 52), (480, 52)])
    c.line([(570, 74), (570, 150)])
    c.line([(480, 172), (430, 172)])
    c.line([(250, 172), (110, 172), (110, 74)])
    c.text(180, 200, '重复，直到用完若干轮（epoch）', size=11, color='#444')
    c.save(name)


def softmax_figure(name):
    import math
    o = [1.0, -1.0, 2.0]
    e = [math.exp(v) for v in o]
    z = sum(e)
    p = [v / z for v in e]
    y = [0, 0, 1]
    c = Canvas(760, 200)
    c.text(60, 20, '未规范化的预测 o', size=12)
    c.text(250, 20, 'exp(o)', size=12)
    c.text(430, 20, 'ŷ = softmax(o)', size=12)
    c.text(620, 20, '标签 y（独热）', size=12)
    for i in range(3):
        yy = 40 + i * 40
        c.box(20, yy, 80, 30, f'{o[i]:g}', 'io')
        c.box(210, yy, 80, 30, f'{e[i]:.3f}', 'fc')
        c.box(390, yy, 80, 30, f'{p[i]:.3f}', 'attn')
        c.box(580, yy, 80, 30, f'{y[i]}', 'io')
        c.line([(100, yy + 15), (210, yy + 15)])
        c.line([(290, yy + 15), (390, yy + 15)])
    c.text(340, 172, f'除以总和 {z:.3f}', size=11, color='#444')
    c.text(590, 172, f'损失 −log ŷ₃ = {-math.log(p[2]):.3f}', size=11, color='#444')
    c.save(name)


def split_figure(name):
    c = Canvas(680, 130)
    parts = [('训练集：拟合参数', 0.6, '#cfe8fc'), ('验证集：选择模型', 0.2, '#fde2c8'),
             ('测试集：最后评估', 0.2, '#d9f2d0')]
    x = 20
    for label, frac, fill in parts:
        w = 640 * frac
        c.rect(x, 40, w, 40, fill=fill, rx=0)
        c.text(x + w / 2, 60, label, size=12)
        x += w
    c.text(340, 105, '（比例只是示意；数据很少时可以用 K 折交叉验证代替单独的验证集）', size=11, color='#444')
    c.save(name)


def capacity_figure(name):
    c = Canvas(560, 300)
    x0, y0, w, h = 70, 30, 440, 210
    c.line([(x0, y0 + h), (x0 + w, y0 + h)])
    c.line([(x0, y0 + h), (x0, y0)])
    train = []
    gen = []
    for i in range(0, 101):
        t = i / 100
        tr = 0.85 * (1 - t) ** 2 + 0.05
        ge = tr + 0.6 * t ** 2.2 + 0.03
        train.append((x0 + t * w, y0 + h - tr * h))
        gen.append((x0 + t * w, y0 + h - min(ge, 1.0) * h))
    c.line(train, arrow=False, color='#1f6fb2')
    c.line(gen, arrow=False, color='#c0392b')
    best = min(range(101), key=lambda i: gen[i][1] * -1)
    bx = gen[best][0]
    c.line([(bx, y0 + 10), (bx, y0 + h)], arrow=False, dash='4,3', color='#777')
    c.text(x0 + w / 2, y0 + h + 22, '模型复杂度 →', size=12)
    c.text(x0 - 12, y0 + h / 2, '误差', size=12, anchor='end')
    c.text(x0 + w - 10, train[-1][1] - 12, '训练误差', size=12, anchor='end', color='#1f6fb2')
    c.text(x0 + w - 60, y0 + 28, '泛化误差', size=12, anchor='end', color='#c0392b')
    c.text(x0 + 60, y0 + h + 45, '欠拟合', size=12)
    c.text(x0 + w - 60, y0 + h + 45, '过拟合', size=12)
    c.text(bx, y0 + 2, '最合适的复杂度', size=11, color='#444')
    c.save(name)


def bump(c, x0, y0, w, h, mu, sigma, color, label=None):
    import math
    pts = []
    for i in range(101):
        x = i / 100
        v = math.exp(-0.5 * ((x - mu) / sigma) ** 2)
        pts.append((x0 + x * w, y0 + h - v * h))
    c.line(pts, arrow=False, color=color)
    if label:
        c.text(x0 + mu * w, y0 + h - h - 10, label, size=11, color=color)


def shift_figure(name):
    c = Canvas(780, 220)
    panels = [('协变量偏移：p(x) 变了，p(y | x) 不变', 'x（例如照片的风格）'),
              ('标签偏移：p(y) 变了，p(x | y) 不变', 'y（例如各种疾病的发病率）')]
    for k, (title, axis) in enumerate(panels):
        x0 = 30 + k * 390
        c.text(x0 + 170, 20, title, size=13, weight='bold')
        c.line([(x0, 170), (x0 + 340, 170)])
        if k == 0:
            bump(c, x0, 60, 340, 100, 0.3, 0.12, '#1f6fb2', '训练（源）')
            bump(c, x0, 60, 340, 100, 0.65, 0.12, '#c0392b', '部署（目标）')
        else:
            for j, (a, b) in enumerate([(0.7, 0.2), (0.2, 0.5), (0.1, 0.3)]):
                bx = x0 + 40 + j * 100
                c.rect(bx, 170 - a * 110, 30, a * 110, fill='#8fd3f4', rx=0)
                c.rect(bx + 34, 170 - b * 110, 30, b * 110, fill='#f5b7b1', rx=0)
                c.text(bx + 32, 182, f'类别 {j + 1}', size=11)
            c.text(x0 + 280, 80, '蓝：训练  红：部署', size=11, color='#444')
        c.text(x0 + 170, 205, axis, size=11, color='#444')
    c.save(name)


def autoregressive_figure(name):
    c = Canvas(760, 250)
    c.text(190, 18, '只看最近 τ 个观测（马尔可夫模型）', size=13, weight='bold')
    c.text(570, 18, '隐变量自回归模型', size=13, weight='bold')
    for i, lab in enumerate(['x_{t−3}', 'x_{t−2}', 'x_{t−1}']):
        c.box(40 + i * 90, 180, 76, 34, lab.replace('_{', '').replace('}', ''), 'io')
        c.line([(78 + i * 90, 180), (190, 124)], arrow=False)
    c.box(130, 90, 120, 34, '回归模型', 'fc')
    c.line([(190, 124), (190, 124)])
    c.box(150, 40, 80, 30, 'x̂t', 'attn')
    c.line([(190, 90), (190, 70)])
    c.text(190, 232, 'τ = 3：输入长度固定', size=11, color='#444')
    for i in range(3):
        x = 420 + i * 110
        c.box(x, 180, 76, 34, f'x{"₁₂₃"[i]}' if i < 2 else 'x_{t−1}'.replace('_{', '').replace('}', ''), 'io')
        c.box(x, 110, 76, 34, f'h{"₂₃"[i]}' if i < 2 else 'ht', 'rnn')
        c.line([(x + 38, 180), (x + 38, 144)])
        c.box(x, 40, 76, 30, f'x̂{"₂₃"[i]}' if i < 2 else 'x̂t', 'attn')
        c.line([(x + 38, 110), (x + 38, 70)])
        if i:
            c.line([(x - 34, 127), (x, 127)])
    c.text(570, 232, '摘要 ht = g(ht−1, xt−1) 汇总全部历史', size=11,
           color='#444')
    c.save(name)


def text_pipeline_figure(name):
    c = Canvas(780, 160)
    steps = [('原始文本', 'The Time Machine, by…'), ('预处理', 'the time machine by'),
             ('词元化', "['t','h','e',' ', …]"), ('词表', '词元 ↔ 索引'), ('索引序列', '[3, 9, 2, 1, …]')]
    for i, (a, b) in enumerate(steps):
        x = 10 + i * 155
        c.box(x, 50, 140, 52, a, 'io' if i in (0, 4) else 'fc', b)
        if i:
            c.line([(x - 15, 76), (x, 76)])
    c.text(390, 135, '（示意：索引的具体数值取决于词表）', size=11, color='#444')
    c.save(name)


def devices_figure(name):
    c = Canvas(640, 220)
    c.rect(20, 30, 250, 150, fill='#f7f7f7')
    c.text(145, 48, 'CPU 与主内存', size=13, weight='bold')
    c.rect(370, 30, 250, 150, fill='#f3f8ff')
    c.text(495, 48, 'GPU 与显存', size=13, weight='bold')
    c.box(60, 80, 170, 40, '张量 X', 'io', "device='cpu'")
    c.box(410, 80, 170, 40, "Y = X.to('cuda:0')", 'fc', "device='cuda:0'")
    c.line([(230, 100), (410, 100)])
    c.text(320, 88, '复制（较慢）', size=11, color='#444')
    c.text(145, 150, '在这里的运算由 CPU 执行', size=11, color='#444')
    c.text(495, 150, '在这里的运算由 GPU 执行', size=11, color='#444')
    c.text(320, 205, '参与同一个运算的张量必须在同一个设备上', size=11, color='#444')
    c.save(name)


def read_write_figure(name):
    c = Canvas(700, 160)
    c.box(20, 50, 150, 50, '训练好的模型', 'rnn', 'net')
    c.box(230, 50, 170, 50, 'state_dict()', 'io', '参数名 → 张量')
    c.box(460, 50, 110, 50, '文件', 'io', 'net.pt')
    c.line([(170, 75), (230, 75)])
    c.line([(400, 75), (460, 75)])
    c.box(460, 120, 230, 34, '同样结构的新模型 load_state_dict', 'fc')
    c.line([(515, 100), (515, 120)])
    c.text(300, 140, '保存的只是参数，结构由代码重新构造', size=11, color='#444')
    c.save(name)


def tensor_axes_figure(name):
    c = Canvas(760, 200)
    cell = 24
    c.rect(30, 80, cell, cell, fill='#cfe8fc', rx=0)
    c.text(42, 150, '标量', size=12)
    c.text(42, 168, '形状 ()', size=11, color='#444')
    for i in range(4):
        c.rect(110 + i * cell, 80, cell, cell, fill='#cfe8fc', rx=0)
    c.text(158, 150, '向量', size=12)
    c.text(158, 168, '形状 (4,)', size=11, color='#444')
    for i in range(3):
        for j in range(4):
            c.rect(270 + j * cell, 56 + i * cell, cell, cell, fill='#cfe8fc', rx=0)
    c.text(318, 150, '矩阵', size=12)
    c.text(318, 168, '形状 (3, 4)', size=11, color='#444')
    for d in range(2, -1, -1):
        for i in range(3):
            for j in range(4):
                c.rect(450 + d * 14 + j * cell, 56 - d * 14 + i * cell, cell, cell,
                       fill=['#cfe8fc', '#d9f2d0', '#fde2c8'][d], rx=0)
    c.text(520, 150, '三阶张量', size=12)
    c.text(520, 168, '形状 (3, 3, 4)', size=11, color='#444')
    c.text(660, 100, '轴的个数 = 阶', size=11, color='#444')
    c.save(name)


def matvec_figure(name):
    c = Canvas(620, 180)
    cell = 30
    for i in range(3):
        for j in range(4):
            c.rect(30 + j * cell, 40 + i * cell, cell, cell,
                   fill='#8fd3f4' if i == 1 else '#ffffff', rx=0)
    c.text(90, 25, 'A（3 × 4）', size=12)
    for j in range(4):
        c.rect(200, 25 + j * cell, cell, cell, fill='#8fd3f4', rx=0)
    c.text(215, 12, 'x（4）', size=12)
    c.text(250, 85, '=', size=18)
    for i in range(3):
        c.rect(280, 40 + i * cell, cell, cell, fill='#8fd3f4' if i == 1 else '#ffffff', rx=0)
    c.text(295, 25, 'Ax（3）', size=12)
    c.text(330, 85, '第 i 个元素 = A 的第 i 行与 x 的点积', size=12, anchor='start')
    c.text(330, 110, '（图中着色的是 i = 2）', size=11, anchor='start', color='#444')
    c.save(name)


def kaggle_figure(name):
    c = Canvas(760, 200)
    c.box(20, 30, 150, 44, '数值特征', 'io', '面积、房龄……')
    c.box(20, 120, 150, 44, '类别特征', 'io', '街区、屋顶类型……')
    c.box(230, 30, 200, 44, '标准化为均值 0、方差 1', 'fc', '缺失值补 0（即均值）')
    c.box(230, 120, 200, 44, '独热编码', 'fc', '缺失也作为一个类别')
    c.line([(170, 52), (230, 52)])
    c.line([(170, 142), (230, 142)])
    c.box(500, 75, 120, 44, '拼成特征矩阵', 'attn')
    c.line([(430, 52), (470, 52), (470, 97), (500, 97)])
    c.line([(430, 142), (470, 142), (470, 97)], arrow=False)
    c.box(650, 75, 100, 44, '模型', 'rnn', '对数 RMSE')
    c.line([(620, 97), (650, 97)])
    c.save(name)


def nw_figure(name):
    import math
    c = Canvas(640, 260)
    x0, y0, w, h = 40, 30, 560, 170
    c.line([(x0, y0 + h), (x0 + w, y0 + h)])
    keys = [0.1, 0.22, 0.35, 0.48, 0.6, 0.75, 0.9]
    vals = [0.3, 0.5, 0.45, 0.7, 0.8, 0.6, 0.4]
    q, sigma = 0.5, 0.1
    wts = [math.exp(-0.5 * ((k - q) / sigma) ** 2) for k in keys]
    z = sum(wts)
    bump(c, x0, y0 + 60, w, h - 60, q, sigma, '#f0a500')
    for k, v, wt in zip(keys, vals, wts):
        x = x0 + k * w
        r = 4 + 10 * wt / z
        c.items.append(f"<circle cx='{x:.1f}' cy='{y0 + h - v * h:.1f}' r='{r:.1f}' "
                       "fill='#8fd3f4' stroke='#333' stroke-width='1'/>")
    c.line([(x0 + q * w, y0 + h + 6), (x0 + q * w, y0 + 6)], arrow=False, dash='4,3',
           color='#c0392b')
    c.text(x0 + q * w, y0 + h + 18, '查询 x', size=12, color='#c0392b')
    c.text(x0 + w / 2, 238, '圆点：训练样本（键 xᵢ，值 yᵢ）；圆越大，注意力权重越大；黄线：高斯核', size=11,
           color='#444')
    c.save(name)


def batch_three():
    multi_out_figure('arch-conv-multi-out.svg')
    gap_figure('arch-global-avg-pool.svg')
    rnn_shapes_figure('arch-rnn-shapes.svg')
    clip_figure('arch-grad-clip.svg')
    sgd_loop_figure('arch-sgd-loop.svg')
    softmax_figure('arch-softmax.svg')
    split_figure('arch-data-split.svg')
    capacity_figure('arch-capacity.svg')
    shift_figure('arch-distribution-shift.svg')
    autoregressive_figure('arch-autoregressive.svg')
    text_pipeline_figure('arch-text-pipeline.svg')
    devices_figure('arch-devices.svg')
    read_write_figure('arch-read-write.svg')
    tensor_axes_figure('arch-tensor-axes.svg')
    matvec_figure('arch-matvec.svg')
    kaggle_figure('arch-kaggle-features.svg')
    nw_figure('arch-nadaraya-watson.svg')


# ------------------------------------------------------------ batch four
def positional_figure(name):
    """P[i, 2j] = sin(i / 10000^(2j/d)), P[i, 2j+1] = cos(...), for 12 positions, d = 16."""
    import math
    n, d = 12, 16
    cell = 26
    c = Canvas(60 + d * cell + 180, 50 + n * cell + 50)
    for i in range(n):
        for col in range(d):
            j = col // 2
            angle = i / 10000 ** (2 * j / d)
            v = math.sin(angle) if col % 2 == 0 else math.cos(angle)
            # blue for -1, white for 0, red for +1
            if v >= 0:
                rgb = (255, int(255 * (1 - v)), int(255 * (1 - v)))
            else:
                rgb = (int(255 * (1 + v)), int(255 * (1 + v)), 255)
            c.rect(60 + col * cell, 40 + i * cell, cell, cell,
                   fill='#%02x%02x%02x' % rgb, rx=0, stroke='#999')
    c.text(60 + d * cell / 2, 24, '编码维度（偶数列 sin，奇数列 cos）', size=12)
    c.text(44, 40 + n * cell / 2, '位置 i', size=12, anchor='end')
    for i in range(0, n, 3):
        c.text(52, 40 + (i + 0.5) * cell, str(i), size=10, anchor='end')
    c.text(60 + d * cell + 20, 60, '红：+1', size=11, anchor='start', color='#c0392b')
    c.text(60 + d * cell + 20, 80, '白：0', size=11, anchor='start')
    c.text(60 + d * cell + 20, 100, '蓝：−1', size=11, anchor='start', color='#1f6fb2')
    c.text(60 + d * cell / 2, 40 + n * cell + 24, f'd = {d}：左边的列频率高、变化快，右边的列变化慢',
           size=11, color='#444')
    c.save(name)


def bn_modes_figure(name):
    c = Canvas(720, 220)
    c.text(175, 18, '训练', size=14, weight='bold')
    c.text(545, 18, '预测', size=14, weight='bold')
    c.box(40, 40, 270, 44, '小批量的均值和方差', 'norm', '用来标准化这一批')
    c.box(40, 130, 270, 44, '更新移动平均', 'io', 'μ̂ ← (1 − m) μ̂ + m μ_B（方差同理）')
    c.line([(175, 84), (175, 130)])
    c.box(410, 85, 270, 44, '用移动平均估计的总体均值和方差', 'norm', '每个样本的输出只取决于它自己')
    c.line([(310, 152), (360, 152), (360, 107), (410, 107)])
    c.text(360, 200, '训练结束时的移动平均 → 预测时使用的统计量（m 即代码中的 momentum）', size=11,
           color='#444')
    c.save(name)


def transition_figure(name):
    rows = [('稠密块的输出', 'c 个通道，h × w', 'io'), ('批量规范化，ReLU', None, 'norm'),
            ('1×1 卷积', '减少到 num_channels 个通道', 'conv'),
            ('2×2 平均汇聚，步幅 2', '高和宽减半：h/2 × w/2', 'pool')]
    stack_figure(name, [('过渡层', rows)], width_each=260, h=42, gap=14)


def batch_four():
    positional_figure('arch-positional-encoding.svg')
    bn_modes_figure('arch-bn-modes.svg')
    transition_figure('arch-transition.svg')


def rnn_modes_figure(name):
    """Four ways to use an RNN: aligned outputs, one output, one input, seq2seq."""
    c = Canvas(900, 230)
    panels = [('逐步输出', [1, 1, 1, 1], [1, 1, 1, 1]), ('只在最后输出', [1, 1, 1, 1], [0, 0, 0, 1]),
              ('由一个输入生成序列', [1, 0, 0, 0], [1, 1, 1, 1]),
              ('序列到序列', [1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1])]
    x0 = 15
    for title, ins, outs in panels:
        n = len(ins)
        step = 36
        width = n * step
        c.text(x0 + width / 2, 18, title, size=12, weight='bold')
        for i in range(n):
            x = x0 + i * step
            c.rect(x, 95, 26, 26, fill=COLORS['attn'] if outs[i] else COLORS['rnn'])
            if i:
                c.line([(x - 10, 108), (x, 108)])
            if ins[i]:
                c.rect(x + 3, 170, 20, 20, fill=COLORS['emb'])
                c.line([(x + 13, 170), (x + 13, 121)])
            if outs[i]:
                c.rect(x + 3, 35, 20, 20, fill=COLORS['fc'])
                c.line([(x + 13, 95), (x + 13, 55)])
        if title == '序列到序列':
            c.text(x0 + 1.5 * step - 5, 212, '编码器', size=10, color='#444')
            c.text(x0 + 4.5 * step - 5, 212, '解码器', size=10, color='#444')
        x0 += width + 45
    c.text(450, 226, '下：输入；中：各时间步的隐状态；上：输出', size=10, color='#444')
    c.save(name)


def main():
    stack_figure('arch-alexnet.svg', [('LeNet（28 × 28 输入）', cnn_layers(LENET, 28)),
                                      ('AlexNet（224 × 224 输入）', cnn_layers(ALEXNET, 224))],
                 width_each=260, h=36, gap=10)
    vgg_block_figure('arch-vgg-block.svg')
    stack_figure('arch-vgg.svg', [('VGG-11（通道数除以 4，224 × 224 输入）',
                                   cnn_layers(VGG11, 224))], width_each=300, h=36, gap=10)
    nin_block_figure('arch-nin-block.svg')
    stack_figure('arch-nin.svg', [('NiN（224 × 224 输入）', cnn_layers(NIN, 224))],
                 width_each=320, h=36, gap=10)
    stack_figure('arch-googlenet.svg', [('GoogLeNet（96 × 96 输入）', GOOGLENET)],
                 width_each=380, h=40, gap=12)
    stack_figure('arch-resnet18.svg', [('ResNet-18（96 × 96 输入）', RESNET18)],
                 width_each=380, h=40, gap=12)
    resnext_figure('arch-resnext.svg')
    scoring_figure('arch-attention-scoring.svg')
    bahdanau_figure('arch-bahdanau.svg')
    pretraining_figure('arch-pretraining.svg')
    more_figures()
    batch_three()
    batch_four()
    rnn_modes_figure('arch-rnn-modes.svg')


if __name__ == '__main__':
    main()
