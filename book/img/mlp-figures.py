"""Draw the SVG diagrams of the multilayer-perceptron chapter.

Run from anywhere: python mlp-figures.py  (writes mlp-*.svg next to this file).
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FONT = 'font-family="Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, DejaVu Sans, sans-serif"'


def svg(width, height, body):
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">\n'
            '<defs><marker id="arr" markerWidth="8" markerHeight="8" refX="7" refY="4" '
            'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>\n'
            f'<rect width="{width}" height="{height}" fill="white"/>\n{body}</svg>\n')


def layer_positions(n, x, height, gap=56):
    top = (height - (n - 1) * gap) / 2
    return [(x, top + i * gap) for i in range(n)]


def mlp_diagram(layers, names, dropped=(), width=420, height=330):
    """layers: units per layer; dropped: set of (layer, unit) drawn as removed."""
    xs = [70 + i * (width - 140) / (len(layers) - 1) for i in range(len(layers))]
    pos = [layer_positions(n, x, height - 30) for n, x in zip(layers, xs)]
    parts = []
    for li in range(len(layers) - 1):
        for a, pa in enumerate(pos[li]):
            for b, pb in enumerate(pos[li + 1]):
                if (li, a) in dropped or (li + 1, b) in dropped:
                    continue
                parts.append(f'<line x1="{pa[0] + 18}" y1="{pa[1]}" x2="{pb[0] - 18}" '
                             f'y2="{pb[1]}" stroke="#888" stroke-width="1.2" '
                             'marker-end="url(#arr)"/>')
    colors = ['#cfe8ff', '#ffe3b3', '#d7f5d0']
    prefixes = ['x', 'h', 'o']
    for li, layer in enumerate(pos):
        color = colors[0] if li == 0 else colors[2] if li == len(pos) - 1 else colors[1]
        prefix = prefixes[0] if li == 0 else prefixes[2] if li == len(pos) - 1 else prefixes[1]
        for u, (x, y) in enumerate(layer):
            if (li, u) in dropped:
                parts.append(f'<circle cx="{x}" cy="{y}" r="17" fill="white" stroke="#bbb" '
                             'stroke-dasharray="4,3" stroke-width="1.5"/>')
                parts.append(f'<line x1="{x - 10}" y1="{y - 10}" x2="{x + 10}" y2="{y + 10}" '
                             'stroke="#c33" stroke-width="2"/>')
                parts.append(f'<line x1="{x - 10}" y1="{y + 10}" x2="{x + 10}" y2="{y - 10}" '
                             'stroke="#c33" stroke-width="2"/>')
                continue
            parts.append(f'<circle cx="{x}" cy="{y}" r="17" fill="{color}" stroke="#333" '
                         'stroke-width="1.5"/>')
            parts.append(f'<text x="{x}" y="{y + 5}" text-anchor="middle" font-size="14" '
                         f'font-style="italic" {FONT}>{prefix}<tspan font-size="10" '
                         f'dy="4">{u + 1}</tspan></text>')
        parts.append(f'<text x="{xs[li]}" y="{height - 8}" text-anchor="middle" '
                     f'font-size="13" {FONT}>{names[li]}</text>')
    return svg(width, height, '\n'.join(parts) + '\n')


def box(x, y, w, h, text, fill):
    return (f'<rect x="{x - w / 2}" y="{y - h / 2}" width="{w}" height="{h}" rx="6" '
            f'fill="{fill}" stroke="#333" stroke-width="1.4"/>\n'
            f'<text x="{x}" y="{y + 5}" text-anchor="middle" font-size="14" {FONT}>{text}</text>')


def circle(x, y, text):
    return (f'<circle cx="{x}" cy="{y}" r="16" fill="#ffe3b3" stroke="#333" '
            f'stroke-width="1.4"/>\n<text x="{x}" y="{y + 5}" text-anchor="middle" '
            f'font-size="14" {FONT}>{text}</text>')


def arrow(x1, y1, x2, y2):
    return (f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#555" '
            'stroke-width="1.4" marker-end="url(#arr)"/>')


def forward_graph():
    # Variables are boxes, operators are circles; data flows left to right.
    v = '#cfe8ff'
    parts = [
        box(40, 60, 50, 30, 'x', v), box(40, 150, 60, 30, 'W⁽¹⁾', v),
        circle(130, 100, '×'), box(210, 100, 40, 30, 'z', v),
        circle(290, 100, 'φ'), box(370, 100, 40, 30, 'h', v),
        box(370, 190, 60, 30, 'W⁽²⁾', v), circle(450, 140, '×'), box(530, 140, 40, 30, 'o', v),
        box(530, 230, 40, 30, 'y', v), circle(610, 185, 'l'), box(690, 185, 40, 30, 'L', v),
        circle(770, 250, '+'), box(850, 250, 40, 30, 'J', v),
        circle(610, 300, '‖·‖²'), box(690, 300, 40, 30, 's', v),
        box(450, 330, 60, 30, 'λ', v),
    ]
    arrows = [(65, 65, 114, 93), (70, 145, 114, 108), (146, 100, 188, 100),
              (230, 100, 274, 100), (306, 100, 348, 100), (390, 106, 435, 133),
              (400, 185, 435, 148), (466, 140, 508, 140), (550, 145, 595, 178),
              (550, 228, 595, 192), (626, 185, 668, 185), (710, 195, 756, 242),
              (626, 300, 668, 300), (710, 292, 754, 256), (786, 250, 828, 250),
              (70, 160, 594, 298), (400, 200, 594, 300), (480, 325, 595, 306)]
    parts += [arrow(*a) for a in arrows]
    parts.append(f'<text x="450" y="30" text-anchor="middle" font-size="13" {FONT}>'
                 '方框：变量；圆圈：运算；箭头：前向传播的数据流向</text>')
    return svg(900, 360, '\n'.join(parts) + '\n')


def main():
    figures = {
        'mlp-one-hidden.svg': mlp_diagram([4, 5, 3], ['输入层', '隐藏层', '输出层']),
        'mlp-dropout.svg': mlp_diagram([4, 5, 3], ['输入层', '隐藏层（暂退后）', '输出层'],
                                       dropped={(1, 1), (1, 4)}),
        'mlp-forward-graph.svg': forward_graph(),
    }
    for name, text in figures.items():
        with open(os.path.join(HERE, name), 'w', encoding='utf-8') as f:
            f.write(text)


if __name__ == '__main__':
    main()
