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


if __name__ == '__main__':
    main()
