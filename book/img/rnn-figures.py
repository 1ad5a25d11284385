"""Draw the SVG figures of the RNN chapters (rnn-*.svg). Run: python rnn-figures.py"""
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
COLORS = {'in': ('#fde2c4', '#c06000'), 'hid': ('#d6e6fb', '#2060b0'),
          'out': ('#d8f0d8', '#2a8a2a'), 'gate': ('#f6d0d0', '#b03030'),
          'op': ('#ffffff', '#444444'), 'gray': ('#eeeeee', '#888888'),
          'param': ('#f3e8fb', '#7040a0')}


def label(s, size=13):
    """'H_{t-1}' -> SVG text content with a subscript; '~' before a letter adds a tilde."""
    m = re.fullmatch(r'(.*?)(?:_\{(.*?)\})?(?:\^\{(.*?)\})?', s)
    base, sub, sup = m.group(1), m.group(2), m.group(3)
    base = base.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
    out = base
    small = int(size * 0.75)
    if sup:
        out += f'<tspan dy="-6" font-size="{small}">{sup}</tspan>'
        if sub:
            out += f'<tspan dy="10" dx="-{len(sup) * 5}" font-size="{small}">{sub}</tspan>'
    elif sub:
        out += f'<tspan dy="4" font-size="{small}">{sub}</tspan>'
    return out


class Fig:
    def __init__(self, w, h):
        self.w, self.h, self.items = w, h, []

    def box(self, cx, cy, text, kind='hid', w=64, h=30, size=13, dashed=False):
        fill, stroke = COLORS[kind]
        dash = ' stroke-dasharray="4,3"' if dashed else ''
        self.items.append(
            f'<rect x="{cx - w / 2}" y="{cy - h / 2}" width="{w}" height="{h}" rx="5" '
            f'fill="{fill}" stroke="{stroke}"{dash}/>')
        self.text(cx, cy + size * 0.35, text, size)

    def circle(self, cx, cy, text, r=11, kind='op', size=13):
        fill, stroke = COLORS[kind]
        self.items.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{fill}" stroke="{stroke}"/>')
        self.text(cx, cy + size * 0.35, text, size)

    def text(self, x, y, s, size=13, anchor='middle', color='#000', raw=False):
        content = s if raw else label(s, size)
        self.items.append(f'<text x="{x}" y="{y}" font-size="{size}" text-anchor="{anchor}" '
                          f'fill="{color}">{content}</text>')

    def line(self, *pts, arrow=True, dashed=False, color='#444'):
        d = ' '.join(f'{x},{y}' for x, y in pts)
        dash = ' stroke-dasharray="5,4"' if dashed else ''
        mark = ' marker-end="url(#a)"' if arrow else ''
        self.items.append(f'<polyline points="{d}" fill="none" stroke="{color}" '
                          f'stroke-width="1.4"{dash}{mark}/>')

    def save(self, name):
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.w}" height="{self.h}" '
                f'viewBox="0 0 {self.w} {self.h}" font-family="sans-serif" font-size="13">\n'
                '  <defs>\n    <marker id="a" markerWidth="8" markerHeight="8" refX="7" '
                'refY="4" orient="auto">\n      <path d="M0,0 L8,4 L0,8 z" fill="#444"/>\n'
                '    </marker>\n  </defs>\n')
        body = ''.join(f'  {item}\n' for item in self.items)
        with open(os.path.join(HERE, name), 'w', encoding='utf-8') as f:
            f.write(head + body + '</svg>\n')


def hidden_state():
    f = Fig(560, 300)
    xs, subs = [140, 290, 440], ['t-1', 't', 't+1']
    for x, s in zip(xs, subs):
        f.box(x, 250, f'X_{{{s}}}', 'in')
        f.box(x, 155, f'H_{{{s}}}', 'hid')
        f.box(x, 60, f'O_{{{s}}}', 'out')
        f.line((x, 235), (x, 172))
        f.line((x, 140), (x, 77))
    for a, b in zip(xs, xs[1:]):
        f.line((a + 32, 155), (b - 34, 155))
    f.line((40, 155), (xs[0] - 34, 155), dashed=True)
    f.line((xs[-1] + 32, 155), (530, 155), dashed=True)
    f.text(290, 292, '隐状态 Hₜ = φ(Xₜ Wₓₕ + Hₜ₋₁ Wₕₕ + bₕ)，输出 Oₜ = Hₜ W_hq + b_q', 12, raw=True)
    f.save('rnn-hidden-state.svg')


def char_lm():
    f = Fig(660, 300)
    inputs, labels = list('machin'), list('achine')
    xs = [70 + 90 * i for i in range(6)]
    for i, x in enumerate(xs):
        f.box(x, 265, inputs[i], 'in', w=40)
        f.box(x, 185, f'H_{{{i + 1}}}', 'hid', w=48)
        f.box(x, 110, f'O_{{{i + 1}}}', 'out', w=48)
        f.box(x, 30, labels[i], 'gray', w=40)
        f.line((x, 250), (x, 202))
        f.line((x, 170), (x, 127))
        f.line((x, 95), (x, 47), dashed=True, arrow=False)
        if i:
            f.line((xs[i - 1] + 24, 185), (x - 26, 185))
    f.text(570, 34, '标签', 12, anchor='start', raw=True)
    f.text(570, 75, '交叉熵损失', 12, anchor='start', raw=True)
    f.text(570, 114, '输出', 12, anchor='start', raw=True)
    f.text(570, 189, '隐状态', 12, anchor='start', raw=True)
    f.text(570, 269, '输入', 12, anchor='start', raw=True)
    f.save('rnn-char-lm.svg')


def bptt():
    f = Fig(560, 330)
    xs = [110, 270, 430]
    f.box(270, 30, 'L', 'gray', w=44)
    for i, x in enumerate(xs, start=1):
        f.box(x, 300, f'x_{{{i}}}', 'in', w=44)
        f.box(x, 210, f'h_{{{i}}}', 'hid', w=44)
        f.box(x, 120, f'o_{{{i}}}', 'out', w=44)
        f.line((x, 285), (x, 227))
        f.text(x + 6, 260, 'W_{hx}', 12, anchor='start', color='#7040a0')
        f.line((x, 195), (x, 137))
        f.text(x + 6, 170, 'W_{qh}', 12, anchor='start', color='#7040a0')
        f.line((x, 105), (270 + (x - 270) * 0.12, 47))
        if i > 1:
            f.line((xs[i - 2] + 22, 210), (x - 24, 210))
            f.text((xs[i - 2] + x) / 2, 202, 'W_{hh}', 12, color='#7040a0')
    f.text(555, 296, '参数沿箭头标出，', 11, anchor='end', raw=True)
    f.text(555, 314, '在所有时间步共享', 11, anchor='end', raw=True)
    f.save('rnn-bptt.svg')


def lstm():
    f = Fig(640, 370)
    cy, gy, by = 60, 230, 315
    f.text(20, cy + 4, 'C_{t-1}', anchor='start')
    f.text(20, by + 4, 'H_{t-1}', anchor='start')
    f.text(620, cy + 4, 'C_{t}', anchor='end')
    f.text(620, 285 + 4, 'H_{t}', anchor='end')
    f.text(120, 362, 'X_{t}')
    # the memory cell line
    f.line((70, cy), (159, cy))
    f.circle(170, cy, '×')
    f.line((181, cy), (309, cy))
    f.circle(320, cy, '+')
    f.line((331, cy), (585, cy))
    # gates
    for x, act in [(170, 'σ'), (270, 'σ'), (370, 'tanh'), (470, 'σ')]:
        kind = 'hid' if act == 'tanh' else 'gate'
        f.box(x, gy, act, kind, w=56)
        f.line((x, by), (x, gy + 17))
    f.text(205, gy + 32, '遗忘门', 11, raw=True)
    f.text(305, gy + 32, '输入门', 11, raw=True)
    f.text(410, gy + 32, '候选记忆元', 11, raw=True)
    f.text(505, gy + 32, '输出门', 11, raw=True)
    # input bus: H_{t-1} and X_t
    f.line((70, by), (470, by), arrow=False)
    f.line((120, 350), (120, by), arrow=False)
    f.line((170, gy - 15), (170, cy + 13))
    f.circle(320, 140, '×')
    f.line((270, gy - 15), (312, 149))
    f.line((370, gy - 15), (328, 149))
    f.line((320, 129), (320, cy + 13))
    # output path
    f.line((520, cy), (520, 99))
    f.box(520, 115, 'tanh', 'op', w=48, h=26)
    f.circle(520, 185, '×')
    f.line((520, 128), (520, 172))
    f.line((470, gy - 15), (511, 193))
    f.line((531, 185), (560, 185), (560, 285), (585, 285))
    f.text(320, 20, '×: 按元素乘法    +: 按元素加法    σ: sigmoid', 11, raw=True)
    f.save('rnn-lstm.svg')


def gru():
    f = Fig(640, 370)
    hy, gy, by = 60, 240, 315
    f.text(20, hy + 4, 'H_{t-1}', anchor='start')
    f.text(620, hy + 4, 'H_{t}', anchor='end')
    f.text(110, 362, 'X_{t}')
    # the state line: Z * H_{t-1} + (1 - Z) * candidate
    f.line((75, hy), (119, hy))
    f.circle(130, hy, '×')
    f.line((141, hy), (509, hy))
    f.circle(520, hy, '+')
    f.line((531, hy), (585, hy))
    # input bus: H_{t-1} and X_t
    f.line((90, hy), (90, by), arrow=False)
    f.line((90, by), (380, by), arrow=False)
    f.line((110, 350), (110, by), arrow=False)
    for x, act, kind, name in [(130, 'σ', 'gate', '更新门 Z'), (230, 'σ', 'gate', '重置门 R'),
                               (380, 'tanh', 'hid', '候选隐状态')]:
        f.box(x, gy, act, kind, w=56)
        f.line((x, by), (x, gy + 17))
        f.text(x + 6, gy + 32, name, 11, anchor='start', raw=True)
    # update gate: to the old state and, through 1 - Z, to the candidate
    f.line((130, gy - 15), (130, hy + 13))
    f.line((130, 105), (457, 105))
    f.circle(470, 105, '1-', r=12, size=11)
    f.circle(470, 170, '×')
    f.line((470, 117), (470, 158))
    f.line((408, gy), (470, gy), (470, 182))
    f.line((481, 170), (520, 170), (520, hy + 13))
    # reset gate: R * H_{t-1} feeds the candidate
    f.circle(300, 170, '×')
    f.line((300, hy), (300, 158))
    f.line((230, gy - 15), (230, 170), (288, 170))
    f.line((311, 170), (380, 170), (380, gy - 17))
    f.text(320, 20, '×: 按元素乘法    +: 按元素加法    σ: sigmoid', 11, raw=True)
    f.save('rnn-gru.svg')


def deep():
    f = Fig(520, 360)
    xs = [130, 270, 410]
    rows = [(270, '(1)'), (190, '(2)'), (110, '(L)')]
    for j, x in enumerate(xs):
        s = ['t-1', 't', 't+1'][j]
        f.box(x, 335, f'X_{{{s}}}', 'in')
        f.line((x, 320), (x, 287))
        for k, (y, layer) in enumerate(rows):
            f.box(x, y, f'H_{{{s}}}^{{{layer}}}', 'hid', w=70)
            if k + 1 < len(rows):
                dashed = k == 1
                f.line((x, y - 15), (x, rows[k + 1][0] + 17), dashed=dashed)
        f.box(x, 30, f'O_{{{s}}}', 'out')
        f.line((x, 95), (x, 47))
    for y, _ in rows:
        for a, b in zip(xs, xs[1:]):
            f.line((a + 35, y), (b - 37, y))
        f.line((40, y), (xs[0] - 37, y), dashed=True)
    f.text(40, 160, '⋮', 16, raw=True)
    f.save('rnn-deep.svg')


def birnn():
    f = Fig(520, 320)
    xs = [130, 270, 410]
    for j, x in enumerate(xs):
        s = ['t-1', 't', 't+1'][j]
        f.box(x, 295, f'X_{{{s}}}', 'in')
        f.box(x - 30, 200, f'→H_{{{s}}}', 'hid', w=58)
        f.box(x + 30, 130, f'←H_{{{s}}}', 'hid', w=58)
        f.box(x, 40, f'O_{{{s}}}', 'out')
        f.line((x - 10, 280), (x - 30, 217))
        f.line((x + 10, 280), (x + 30, 147))
        f.line((x - 30, 185), (x - 6, 57))
        f.line((x + 30, 115), (x + 6, 57))
    for a, b in zip(xs, xs[1:]):
        f.line((a - 1, 200), (b - 61, 200))
        f.line((b + 1, 130), (a + 61, 130))
    f.text(480, 204, '前向', 12, raw=True)
    f.text(480, 134, '反向', 12, raw=True)
    f.save('rnn-birnn.svg')


def encoder_decoder():
    f = Fig(600, 130)
    f.box(60, 55, '输入', 'in', w=70)
    f.box(190, 55, '编码器', 'hid', w=90)
    f.box(320, 55, '状态', 'gray', w=70)
    f.box(450, 55, '解码器', 'hid', w=90)
    f.box(560, 55, '输出', 'out', w=60)
    f.line((95, 55), (143, 55))
    f.line((235, 55), (283, 55))
    f.line((355, 55), (403, 55))
    f.line((495, 55), (528, 55))
    f.line((450, 122), (450, 72))
    f.text(460, 112, '输入', 11, anchor='start', raw=True)
    f.save('rnn-encoder-decoder.svg')


def seq2seq():
    f = Fig(800, 250)
    src = ['they', 'are', 'watching', '.', '<eos>']
    dec_in = ['<bos>', 'ils', 'regardent', '.']
    dec_out = ['ils', 'regardent', '.', '<eos>']
    xs = [50 + 72 * i for i in range(5)]
    for i, (x, tok) in enumerate(zip(xs, src)):
        f.box(x, 215, tok, 'in', w=66, size=12)
        f.box(x, 135, 'RNN', 'hid', w=56)
        f.line((x, 200), (x, 152))
        if i:
            f.line((xs[i - 1] + 28, 135), (x - 30, 135))
    f.text(xs[2], 95, '编码器', 13, raw=True)
    ds = [440 + 85 * i for i in range(4)]
    for i, x in enumerate(ds):
        f.box(x, 215, dec_in[i], 'in', w=72, size=12)
        f.box(x, 135, 'RNN', 'hid', w=56)
        f.box(x, 45, dec_out[i], 'out', w=72, size=12)
        f.line((x, 200), (x, 152))
        f.line((x, 120), (x, 62))
        if i:
            f.line((ds[i - 1] + 28, 135), (x - 30, 135))
    f.text(ds[1] + 42, 95, '解码器', 13, raw=True)
    f.line((xs[-1] + 28, 135), (ds[0] - 30, 135), color='#2060b0')
    f.text((xs[-1] + ds[0]) / 2, 128, 'c', 12)
    f.save('rnn-seq2seq.svg')


def seq2seq_predict():
    f = Fig(560, 220)
    ins = ['<bos>', 'ils', 'regardent', '.']
    outs = ['ils', 'regardent', '.', '<eos>']
    ds = [80 + 130 * i for i in range(4)]
    f.line((10, 120), (ds[0] - 30, 120), color='#2060b0')
    f.text(20, 112, '状态', 11, anchor='start', raw=True)
    for i, x in enumerate(ds):
        f.box(x, 190, ins[i], 'in', w=76, size=12)
        f.box(x, 120, 'RNN', 'hid', w=56)
        f.box(x, 40, outs[i], 'out', w=76, size=12)
        f.line((x, 175), (x, 137))
        f.line((x, 105), (x, 57))
        if i:
            f.line((ds[i - 1] + 28, 120), (x - 30, 120))
            f.line((ds[i - 1] + 38, 40), (ds[i - 1] + 65, 40), (ds[i - 1] + 65, 190),
                   (x - 40, 190), dashed=True)
    f.save('rnn-seq2seq-predict.svg')


def beam_search():
    f = Fig(700, 360)
    probs1 = {'A': .5, 'B': .4, 'C': .1}
    kept1 = ['A', 'B']
    probs2 = {'AA': .15, 'AB': .15, 'AC': .20, 'BA': .04, 'BB': .04, 'BC': .32}
    kept2 = ['BC', 'AC']
    probs3 = {'ACA': .06, 'ACB': .08, 'ACC': .06, 'BCA': .032, 'BCB': .032, 'BCC': .256}
    kept3 = ['BCC', 'ACB']
    f.box(40, 165, '开始', 'gray', w=52, size=12)
    y1 = {'A': 70, 'B': 165, 'C': 260}
    for t, y in y1.items():
        kind = 'hid' if t in kept1 else 'gray'
        f.box(150, y, f'{t} {probs1[t]:.2f}', kind, w=76, size=12)
        f.line((66, 165), (110, y))
    y2, k = {}, 0
    for prefix in kept1:
        for t in 'ABC':
            seq = prefix + t
            y2[seq] = 25 + 55 * k
            k += 1
            kind = 'hid' if seq in kept2 else 'gray'
            f.box(330, y2[seq], f'{seq} {probs2[seq]:.2f}', kind, w=92, size=12)
            f.line((188, y1[prefix]), (282, y2[seq]))
    k = 0
    for prefix in ['AC', 'BC']:
        for t in 'ABC':
            seq = prefix + t
            y = 25 + 55 * k
            k += 1
            kind = 'out' if seq in kept3 else 'gray'
            f.box(560, y, f'{seq} {probs3[seq]:.3f}', kind, w=104, size=12)
            f.line((376, y2[prefix]), (506, y))
    f.text(150, 350, '第 1 步', 12, raw=True)
    f.text(330, 350, '第 2 步', 12, raw=True)
    f.text(560, 350, '第 3 步', 12, raw=True)
    f.save('rnn-beam-search.svg')


if __name__ == '__main__':
    for draw in (hidden_state, char_lm, bptt, lstm, gru, deep, birnn, encoder_decoder,
                 seq2seq, seq2seq_predict, beam_search):
        draw()
