"""Draw the SVG figures added to deepen the MLP and RNN sections.

Run from anywhere: python depth-figures.py  (writes the files next to this script):
  rnn-hmm.svg     the hidden Markov model and its forward/backward passes (bi-rnn.md)
  mlp-xor.svg     XOR in input space and in the hidden space of a two-unit ReLU layer (mlp.md)
  mlp-sawtooth.svg  the tent map composed 1, 2 and 3 times (mlp.md)
  rnn-weather-chain.svg  a two-state Markov chain (sequence.md)
  rnn-truncation.svg  which time steps a gradient reaches under three BPTT strategies (bptt.md)
  cnn-banded-matrix.svg  a 1-D convolution written as a dense weight matrix (why-conv.md)
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FONT = 'font-family="Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, DejaVu Sans, sans-serif"'
BLUE, ORANGE, GREEN, RED, GRAY = '#2060b0', '#c06000', '#2a8a2a', '#b03030', '#888888'


def svg(width: int, height: int, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" {FONT} font-size="13">\n'
            '<defs>'
            + ''.join(f'<marker id="m{name}" markerWidth="8" markerHeight="8" refX="7" refY="4" '
                      f'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="{color}"/></marker>'
                      for name, color in (('k', '#444'), ('b', BLUE), ('o', ORANGE)))
            + '</defs>\n'
            f'<rect width="{width}" height="{height}" fill="white"/>\n'
            + ''.join(f'{item}\n' for item in body) + '</svg>\n')


def text(x: float, y: float, s: str, size: int = 13, anchor: str = 'middle',
         color: str = '#000', italic: bool = False) -> str:
    style = ' font-style="italic"' if italic else ''
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{color}"{style}>{s}</text>')


def sub(base: str, index: str) -> str:
    return f'{base}<tspan dy="4" font-size="10">{index}</tspan><tspan dy="-4"></tspan>'


def arrow(x1: float, y1: float, x2: float, y2: float, color: str = '#444', marker: str = 'k',
          dashed: bool = False, width: float = 1.4) -> str:
    dash = ' stroke-dasharray="5,4"' if dashed else ''
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
            f'stroke-width="{width}"{dash} marker-end="url(#m{marker})"/>')


def hmm() -> str:
    body, xs = [], [90, 210, 330, 450]
    for t, x in enumerate(xs, start=1):
        body.append(f'<circle cx="{x}" cy="150" r="22" fill="#d6e6fb" stroke="{BLUE}"/>')
        body.append(text(x, 155, sub('h', str(t)), italic=True))
        body.append(f'<rect x="{x - 22}" y="215" width="44" height="30" rx="5" '
                    f'fill="#fde2c4" stroke="{ORANGE}"/>')
        body.append(text(x, 235, sub('x', str(t)), italic=True))
        body.append(arrow(x, 172, x, 213))
    for a, b in zip(xs, xs[1:]):
        body.append(arrow(a + 22, 150, b - 24, 150))
    body.append(text(150, 140, 'P(h<tspan dy="4" font-size="10">t</tspan><tspan dy="-4">'
                     ' | h</tspan><tspan dy="4" font-size="10">t-1</tspan><tspan dy="-4">)</tspan>',
                     11, color='#444'))
    body.append(text(40, 200, 'P(x<tspan dy="4" font-size="10">t</tspan><tspan dy="-4">'
                     ' | h</tspan><tspan dy="4" font-size="10">t</tspan><tspan dy="-4">)</tspan>',
                     11, color='#444'))
    # forward pass above, backward pass further above
    for a, b in zip(xs, xs[1:]):
        body.append(arrow(a + 8, 95, b - 10, 95, BLUE, 'b', dashed=True))
        body.append(arrow(b - 8, 55, a + 10, 55, ORANGE, 'o', dashed=True))
    for t, x in enumerate(xs, start=1):
        body.append(text(x, 100, sub('α', str(t)), 13, color=BLUE))
        body.append(text(x, 60, sub('β', str(t)), 13, color=ORANGE))
    body.append(text(270, 120, '前向递推：α 汇总 x₁, …, xₜ', 12, color=BLUE))
    body.append(text(270, 28, '后向递推：β 汇总 xₜ₊₁, …, ' + sub('x', 'T'), 12, color=ORANGE))
    body.append(text(270, 275, '隐状态 h 看不见，只观测到 x；'
                     '时间步 t 的后验正比于 αₜ(h) βₜ(h)', 12, color='#444'))
    return svg(540, 290, body)


def xor() -> str:
    body = []

    def panel(ox: float, oy: float, scale: float, xmax: float, ymax: float,
              xl: str, yl: str) -> None:
        body.append(arrow(ox, oy, ox + xmax * scale + 20, oy))
        body.append(arrow(ox, oy, ox, oy - ymax * scale - 20))
        body.append(text(ox + xmax * scale + 24, oy + 18, xl, 13, italic=True))
        body.append(text(ox - 16, oy - ymax * scale - 22, yl, 13, italic=True))
        for v in range(int(xmax) + 1):
            body.append(text(ox + v * scale, oy + 22, str(v), 11, color=GRAY))
        for v in range(1, int(ymax) + 1):
            body.append(text(ox - 20, oy - v * scale + 4, str(v), 11, color=GRAY))

    def point(ox: float, oy: float, scale: float, x: float, y: float, label: int,
              dy: float = 0) -> None:
        cx, cy = ox + x * scale, oy - y * scale + dy
        if label:
            body.append(f'<rect x="{cx - 7}" y="{cy - 7}" width="14" height="14" '
                        f'fill="{ORANGE}" stroke="#7a3d00"/>')
        else:
            body.append(f'<circle cx="{cx}" cy="{cy}" r="7" fill="white" stroke="{BLUE}" '
                        'stroke-width="2"/>')

    # input space
    ox, oy, s = 50, 200, 120
    panel(ox, oy, s, 1, 1, sub('x', '1'), sub('x', '2'))
    for x, y, lab in ((0, 0, 0), (1, 1, 0), (1, 0, 1), (0, 1, 1)):
        point(ox, oy, s, x, y, lab)
    body.append(text(ox + 60, 250, '输入空间：没有一条直线能分开两类', 12))
    # the map
    body.append(arrow(215, 120, 290, 120))
    body.append(text(252, 95, 'ReLU 隐藏层', 12, color='#444'))
    # hidden space
    ox, oy, s = 320, 200, 80
    panel(ox, oy, s, 2, 1, sub('h', '1'), sub('h', '2'))
    point(ox, oy, s, 0, 0, 0)
    point(ox, oy, s, 2, 1, 0)
    point(ox, oy, s, 1, 0, 1, dy=-5)
    point(ox, oy, s, 1, 0, 1, dy=5)
    # decision line h1 - 2 h2 = 0.5  ->  h2 = (h1 - 0.5) / 2
    x1, x2 = 0.3, 2.4
    body.append(f'<line x1="{ox + x1 * s:.1f}" y1="{oy - (x1 - 0.5) / 2 * s:.1f}" '
                f'x2="{ox + x2 * s:.1f}" y2="{oy - (x2 - 0.5) / 2 * s:.1f}" stroke="{GREEN}" '
                'stroke-width="2" stroke-dasharray="6,4"/>')
    body.append(text(ox + 0.75 * s, oy - 0.85 * s, 'h₁ − 2h₂ = 0.5', 12, color=GREEN))
    body.append(text(ox + 90, 250, '隐藏空间：(1,0) 和 (0,1) 都落到 (1,0)', 12))
    # legend
    body.append(f'<circle cx="70" cy="25" r="6" fill="white" stroke="{BLUE}" stroke-width="2"/>')
    body.append(text(80, 30, '输出 0', 12, anchor='start'))
    body.append(f'<rect x="144" y="19" width="12" height="12" fill="{ORANGE}" stroke="#7a3d00"/>')
    body.append(text(162, 30, '输出 1', 12, anchor='start'))
    return svg(560, 265, body)


def tent(x: float) -> float:
    return 2 * max(x, 0.0) - 4 * max(x - 0.5, 0.0)


def sawtooth() -> str:
    body, w, h, gap = [], 150, 110, 40
    for k in range(1, 4):
        ox, oy = 30 + (k - 1) * (w + gap), 150
        body.append(f'<rect x="{ox}" y="{oy - h}" width="{w}" height="{h}" fill="none" '
                    f'stroke="{GRAY}"/>')
        pts = []
        n = 512
        for i in range(n + 1):
            x = i / n
            y = x
            for _ in range(k):
                y = tent(y)
            pts.append(f'{ox + x * w:.1f},{oy - y * h:.1f}')
        body.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="{BLUE}" '
                    'stroke-width="1.8"/>')
        name = ['τ(x)', 'τ(τ(x))', 'τ(τ(τ(x)))'][k - 1]
        body.append(text(ox + w / 2, oy + 20, f'{name}：{2 ** k} 段', 12))
        body.append(text(ox - 8, oy + 4, '0', 10, color=GRAY))
        body.append(text(ox - 8, oy - h + 8, '1', 10, color=GRAY))
    body.append(text(300, 22, '每多复合一层（每层 2 个 ReLU 单元），线性段数翻一倍', 12,
                     color='#444'))
    return svg(600, 180, body)


def weather_chain() -> str:
    body = []
    sx, rx, y = 150, 390, 110
    body.append(f'<circle cx="{sx}" cy="{y}" r="38" fill="#fff3c4" stroke="#b08a00" stroke-width="1.5"/>')
    body.append(text(sx, y + 6, '晴', 18))
    body.append(f'<circle cx="{rx}" cy="{y}" r="38" fill="#d6e6fb" stroke="{BLUE}" stroke-width="1.5"/>')
    body.append(text(rx, y + 6, '雨', 18))
    # sun -> rain (upper arc), rain -> sun (lower arc)
    body.append(f'<path d="M{sx + 30},{y - 24} Q{(sx + rx) / 2},{y - 90} {rx - 32},{y - 22}" '
                'fill="none" stroke="#444" stroke-width="1.4" marker-end="url(#mk)"/>')
    body.append(text((sx + rx) / 2, y - 62, '0.2', 13))
    body.append(f'<path d="M{rx - 30},{y + 24} Q{(sx + rx) / 2},{y + 90} {sx + 32},{y + 22}" '
                'fill="none" stroke="#444" stroke-width="1.4" marker-end="url(#mk)"/>')
    body.append(text((sx + rx) / 2, y + 74, '0.4', 13))
    # self loops
    body.append(f'<path d="M{sx - 30},{y - 24} C{sx - 110},{y - 90} {sx - 110},{y + 90} {sx - 32},{y + 22}" '
                'fill="none" stroke="#444" stroke-width="1.4" marker-end="url(#mk)"/>')
    body.append(text(sx - 100, y + 5, '0.8', 13))
    body.append(f'<path d="M{rx + 30},{y - 24} C{rx + 110},{y - 90} {rx + 110},{y + 90} {rx + 32},{y + 22}" '
                'fill="none" stroke="#444" stroke-width="1.4" marker-end="url(#mk)"/>')
    body.append(text(rx + 100, y + 5, '0.6', 13))
    body.append(text(270, 215, '每条边是从一天到下一天的转移概率；从每个状态出发的概率之和为 1',
                     12, color='#444'))
    return svg(540, 230, body)


def truncation() -> str:
    body, steps, x0, dx = [], 10, 150, 36
    rows = (('完全计算', list(range(1, 11))), ('截断（τ = 3）', [8, 9, 10]),
            ('随机截断', [6, 7, 8, 9, 10]))
    for r, (name, reached) in enumerate(rows):
        y = 50 + r * 60
        body.append(text(20, y + 5, name, 13, anchor='start'))
        for t in range(1, steps + 1):
            x = x0 + (t - 1) * dx
            on = t in reached
            fill, stroke = ('#d6e6fb', BLUE) if on else ('#f2f2f2', '#bbbbbb')
            body.append(f'<rect x="{x - 13}" y="{y - 13}" width="26" height="26" rx="4" '
                        f'fill="{fill}" stroke="{stroke}"/>')
            body.append(text(x, y + 5, str(t), 11, color='#000' if on else '#999'))
        first = min(reached)
        if first > 1:
            bx = x0 + (first - 1) * dx - 22
            body.append(f'<line x1="{bx}" y1="{y - 18}" x2="{bx}" y2="{y + 18}" stroke="{RED}" '
                        'stroke-width="2.5"/>')
        xe, xs = x0 + (steps - 1) * dx, x0 + (first - 1) * dx
        if xe > xs:
            body.append(arrow(xe, y - 20, xs + 4, y - 20, ORANGE, 'o'))
    body.append(text(270, 225, '蓝色：时间步 10 的损失回传得到的时间步；红线：截断处。'
                     '随机截断的位置每次不同', 12, color='#444'))
    return svg(540, 240, body)


def banded_matrix() -> str:
    body, c, ox, oy = [], 34, 150, 40
    rows, cols = 5, 6
    for i in range(rows):
        for j in range(cols):
            v = -1 if j == i else 1 if j == i + 1 else 0
            fill = {-1: '#f6d0d0', 1: '#d8f0d8', 0: '#ffffff'}[v]
            body.append(f'<rect x="{ox + j * c}" y="{oy + i * c}" width="{c}" height="{c}" '
                        f'fill="{fill}" stroke="#999"/>')
            body.append(text(ox + j * c + c / 2, oy + i * c + c / 2 + 5,
                             {-1: '−1', 1: '1', 0: '0'}[v], 13, color='#000' if v else '#aaa'))
    body.append(f'<rect x="{ox}" y="{oy}" width="{cols * c}" height="{rows * c}" fill="none" '
                'stroke="#444" stroke-width="1.5"/>')
    # input vector x (as a column to the right) and output h on the left
    for j in range(cols):
        body.append(f'<rect x="{ox + cols * c + 30}" y="{oy - 17 + j * c}" width="{c}" height="{c}" '
                    f'fill="#fde2c4" stroke="{ORANGE}"/>')
        body.append(text(ox + cols * c + 30 + c / 2, oy - 17 + j * c + c / 2 + 5, sub('x', str(j + 1)), 13))
    for i in range(rows):
        body.append(f'<rect x="{ox - 90}" y="{oy + i * c}" width="{c}" height="{c}" '
                    f'fill="#d6e6fb" stroke="{BLUE}"/>')
        body.append(text(ox - 90 + c / 2, oy + i * c + c / 2 + 5, sub('h', str(i + 1)), 13))
    body.append(text(ox - 36, oy + rows * c / 2 + 6, '=', 20))
    body.append(text(ox + cols * c / 2, oy + rows * c + 48,
                     '30 个元素，只有 2 个自由参数：每行是上一行右移一格', 12, color='#444'))
    return svg(520, 265, body)


def main() -> None:
    for name, draw in (('rnn-hmm.svg', hmm), ('mlp-xor.svg', xor),
                       ('mlp-sawtooth.svg', sawtooth), ('rnn-weather-chain.svg', weather_chain),
                       ('rnn-truncation.svg', truncation), ('cnn-banded-matrix.svg', banded_matrix)):
        with open(os.path.join(HERE, name), 'w', encoding='utf-8') as f:
            f.write(draw())


if __name__ == '__main__':
    main()
