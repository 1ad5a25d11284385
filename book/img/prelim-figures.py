"""Draw the SVG figures of the preliminaries chapter (prelim-*.svg).

Run from book/img: python prelim-figures.py
"""

CELL = 30
HEAD = '''<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" \
font-family="sans-serif" font-size="14">
  <defs>
    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" \
orient="auto-start-reverse">
      <path d="M 0 0 L 10 5 L 0 10 z" fill="#444"/>
    </marker>
    <marker id="arrow-red" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" \
orient="auto-start-reverse">
      <path d="M 0 0 L 10 5 L 0 10 z" fill="#c0392b"/>
    </marker>
  </defs>
  <rect width="{w}" height="{h}" fill="white"/>
'''


def grid(x0, y0, vals, fill, stroke, copied=None):
    """Cells of a small matrix; cells marked in `copied` are drawn dashed and grey."""
    out = []
    for i, row in enumerate(vals):
        for j, v in enumerate(row):
            x, y = x0 + j * CELL, y0 + i * CELL
            dashed = bool(copied and copied[i][j])
            dash = ' stroke-dasharray="3 2"' if dashed else ''
            color = '#999' if dashed else '#222'
            out.append(f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" '
                       f'fill="{"#ffffff" if dashed else fill}" stroke="{stroke}" '
                       f'stroke-width="1.2"{dash}/>')
            out.append(f'<text x="{x + CELL // 2}" y="{y + CELL // 2 + 5}" '
                       f'text-anchor="middle" fill="{color}">{v}</text>')
    return out


def text(x, y, s, size=14, anchor='middle', fill='#222', weight=None):
    w = f' font-weight="{weight}"' if weight else ''
    return (f'<text x="{x}" y="{y}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{fill}"{w}>{s}</text>')


def broadcasting():
    a = [[0], [1], [2]]
    b = [[0, 1, 2, 3]]
    a_wide = [[i] * 4 for i in range(3)]
    b_tall = [[0, 1, 2, 3] for _ in range(3)]
    total = [[i + j for j in range(4)] for i in range(3)]
    a_copied = [[j > 0 for j in range(4)] for _ in range(3)]
    b_copied = [[i > 0 for _ in range(4)] for i in range(3)]
    blue, orange, green = ('#e3effa', '#3b7dd8'), ('#fde8d7', '#d9822b'), ('#e6f4e4', '#4a9a45')
    p = [text(20, 24, '原始形状', anchor='start', weight='bold')]
    p += grid(40, 40, a, *blue)
    p.append(text(55, 150, 'a：(3, 1)', 12))
    p.append(text(95, 92, '+', 20))
    p += grid(115, 40, b, *orange)
    p.append(text(175, 92, 'b：(1, 4)', 12))
    p.append('<path d="M 250 85 L 290 85" stroke="#444" stroke-width="1.6" '
             'marker-end="url(#arrow)"/>')
    p.append(text(270, 72, '扩展', 12))
    p.append(text(300, 24, '广播成相同的形状 (3, 4)，再按元素相加', anchor='start', weight='bold'))
    p += grid(300, 40, a_wide, *blue, copied=a_copied)
    p.append(text(435, 92, '+', 20))
    p += grid(450, 40, b_tall, *orange, copied=b_copied)
    p.append(text(585, 92, '=', 20))
    p += grid(600, 40, total, *green)
    p.append(text(420, 165, '虚线格子是沿长度为 1 的轴复制出来的元素，计算时并不真的占用内存',
                  12, fill='#555'))
    return HEAD.format(w=740, h=180) + '\n'.join('  ' + s for s in p) + '\n</svg>\n'


def node(x, y, label, sub, fill, stroke):
    return [(f'<rect x="{x - 45}" y="{y - 24}" width="90" height="48" rx="8" fill="{fill}" '
             f'stroke="{stroke}"/>'),
            text(x, y - 2, label, weight='bold'),
            text(x, y + 16, sub, 11, fill='#555')]


def autograd_graph():
    blue, grey = ('#e3effa', '#3b7dd8'), ('#f2f2f2', '#666')
    p = []
    p += node(70, 110, 'x', '输入', *blue)
    p += node(240, 50, 'u = x²', '平方', *grey)
    p += node(410, 110, 'z = u·x', '按元素相乘', *grey)
    p += node(580, 110, 'y = Σz', '求和', *grey)

    def arrow(d, color='#444', marker='arrow', dash=''):
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ''
        return (f'<path d="{d}" stroke="{color}" stroke-width="1.6" fill="none"{dash_attr} '
                f'marker-end="url(#{marker})"/>')
    # forward pass: solid arrows
    p.append(arrow('M 115 98 L 193 62'))
    p.append(arrow('M 285 62 L 363 98'))
    p.append(arrow('M 115 110 L 363 110'))
    p.append(arrow('M 455 110 L 533 110'))
    # backward pass: dashed red arrows below the graph
    red = '#c0392b'
    p.append(arrow('M 560 136 C 540 175, 450 175, 430 138', red, 'arrow-red', '5 3'))
    p.append(text(495, 182, '∂y/∂z = 1', 12, fill=red))
    p.append(arrow('M 390 138 C 330 200, 150 200, 85 138', red, 'arrow-red', '5 3'))
    p.append(text(240, 205, '直接路径：∂y/∂z · ∂z/∂x', 12, fill=red))
    p.append(arrow('M 195 36 C 140 20, 80 40, 72 84', red, 'arrow-red', '5 3'))
    p.append(text(110, 26, '经过 u 的路径', 12, fill=red))
    p.append(arrow('M 380 86 C 360 20, 300 10, 262 24', red, 'arrow-red', '5 3'))
    p.append(text(350, 20, '∂y/∂u', 12, fill=red))
    p.append(text(20, 235, '实线：前向计算；虚线：反向传播。∂y/∂x 是两条路径传回的梯度之和',
                  12, anchor='start', fill='#555'))
    return HEAD.format(w=640, h=250) + '\n'.join('  ' + s for s in p) + '\n</svg>\n'


if __name__ == '__main__':
    for name, svg in [('prelim-broadcasting.svg', broadcasting()),
                      ('prelim-autograd-graph.svg', autograd_graph())]:
        with open(name, 'w', encoding='utf-8') as f:
            f.write(svg)
