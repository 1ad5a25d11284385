"""Draw the SVG figures on norms and least squares (prelim-unit-balls.svg, linreg-projection.svg).

Run from book/img: python linear-depth-figures.py
"""

HEAD = '''<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" \
font-family="sans-serif" font-size="14">
  <defs>
    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" \
orient="auto-start-reverse">
      <path d="M 0 0 L 10 5 L 0 10 z" fill="#444"/>
    </marker>
    <marker id="arrow-blue" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" \
orient="auto-start-reverse">
      <path d="M 0 0 L 10 5 L 0 10 z" fill="#3b7dd8"/>
    </marker>
    <marker id="arrow-red" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" \
orient="auto-start-reverse">
      <path d="M 0 0 L 10 5 L 0 10 z" fill="#c0392b"/>
    </marker>
    <marker id="arrow-green" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" \
orient="auto-start-reverse">
      <path d="M 0 0 L 10 5 L 0 10 z" fill="#4a9a45"/>
    </marker>
  </defs>
  <rect width="{w}" height="{h}" fill="white"/>
'''


def text(x, y, s, size=14, anchor='middle', fill='#222', weight=None, italic=False):
    w = f' font-weight="{weight}"' if weight else ''
    i = ' font-style="italic"' if italic else ''
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{fill}"{w}{i}>{s}</text>')


def line(x1, y1, x2, y2, color='#444', width=1.6, marker=None, dash=None):
    m = f' marker-end="url(#{marker})"' if marker else ''
    d = f' stroke-dasharray="{dash}"' if dash else ''
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
            f'stroke-width="{width}"{d}{m}/>')


def unit_balls():
    """The sets ||x|| = 1 in the plane for the l1, l2 and l-infinity norms."""
    r, gap, top = 70, 230, 40  # radius in pixels, distance between panel centres, top margin
    panels = [('ℓ₁：|x₁| + |x₂| = 1', 'l1', '#d9822b', '#fde8d7'),
              ('ℓ₂：x₁² + x₂² = 1', 'l2', '#3b7dd8', '#e3effa'),
              ('ℓ∞：max(|x₁|, |x₂|) = 1', 'linf', '#4a9a45', '#e6f4e4')]
    p = []
    for k, (title, kind, stroke, fill) in enumerate(panels):
        cx, cy = 125 + k * gap, top + 30 + r + 10
        if kind == 'l1':
            shape = (f'<path d="M {cx + r} {cy} L {cx} {cy - r} L {cx - r} {cy} L {cx} {cy + r} z" '
                     f'fill="{fill}" stroke="{stroke}" stroke-width="2"/>')
        elif kind == 'l2':
            shape = f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{fill}" stroke="{stroke}" stroke-width="2"/>'
        else:
            shape = (f'<rect x="{cx - r}" y="{cy - r}" width="{2 * r}" height="{2 * r}" '
                     f'fill="{fill}" stroke="{stroke}" stroke-width="2"/>')
        p.append(shape)
        p.append(line(cx - r - 25, cy, cx + r + 25, cy, marker='arrow', width=1.2))
        p.append(line(cx, cy + r + 25, cx, cy - r - 25, marker='arrow', width=1.2))
        p.append(text(cx + r + 28, cy + 16, 'x₁', 12, anchor='end', italic=True))
        p.append(text(cx + 8, cy - r - 14, 'x₂', 12, anchor='start', italic=True))
        p.append(text(cx + r + 4, cy - 5, '1', 11, anchor='start', fill='#555'))
        p.append(text(cx, top, title, 13, weight='bold'))
        # the point (3, -4) / ||(3, -4)||, i.e. the direction of the vector used in the text
        if kind == 'l1':
            px, py = 3 / 7, -4 / 7
        elif kind == 'l2':
            px, py = 3 / 5, -4 / 5
        else:
            px, py = 3 / 4, -4 / 4
        sx, sy = cx + r * px, cy - r * py
        p.append(f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="4" fill="#c0392b"/>')
        p.append(line(cx, cy, sx, sy, color='#c0392b', width=1.2, dash='4 3'))
    p.append(text(365, top + 30 + 2 * r + 70,
                  '三种范数下长度为 1 的点；红点是 (3, −4) 除以它在该范数下的长度（分别为 7、5、4）',
                  12, fill='#555'))
    return HEAD.format(w=730, h=top + 30 + 2 * r + 85) + '\n'.join('  ' + s for s in p) + '\n</svg>\n'


def projection():
    """y, its orthogonal projection X w* onto the column space of X, and the residual."""
    p = []
    # the column space, drawn as a parallelogram in an oblique view
    plane = [(60, 250), (420, 250), (560, 150), (200, 150)]
    pts = ' '.join(f'{x},{y}' for x, y in plane)
    p.append(f'<polygon points="{pts}" fill="#e3effa" stroke="#3b7dd8" stroke-width="1.4"/>')
    p.append(text(60, 270, 'X 的列张成的空间（一个平面）', 13, anchor='start', fill='#3b7dd8'))
    o = (150, 225)      # origin
    proj = (390, 190)   # X w*, inside the plane
    y = (390, 40)       # y, straight above its projection
    col1, col2 = (290, 235), (215, 170)  # two columns of X lying in the plane
    p.append(line(*o, *col1, color='#3b7dd8', width=1.6, marker='arrow-blue'))
    p.append(text(col1[0] + 6, col1[1] + 16, 'x₁（第 1 列）', 12, anchor='start', fill='#3b7dd8'))
    p.append(line(*o, *col2, color='#3b7dd8', width=1.6, marker='arrow-blue'))
    p.append(text(col2[0] - 8, col2[1] - 6, 'x₂（第 2 列）', 12, anchor='end', fill='#3b7dd8'))
    p.append(line(*o, *y, color='#222', width=2, marker='arrow'))
    p.append(text(y[0] - 10, y[1] - 6, 'y', 15, anchor='end', weight='bold'))
    p.append(line(*o, *proj, color='#4a9a45', width=2, marker='arrow-green'))
    p.append(text(proj[0] - 5, proj[1] + 32, 'Xw*（最优预测）', 13, anchor='end', fill='#4a9a45'))
    p.append(line(proj[0], proj[1], y[0], y[1] + 14, color='#c0392b', width=2, marker='arrow-red',
                  dash='6 3'))
    p.append(text(y[0] + 14, 75, '残差 y − Xw*', 13, anchor='start', fill='#c0392b'))
    p.append(text(y[0] + 14, 93, '与每一列都正交', 12, anchor='start',
                  fill='#c0392b'))
    # right-angle mark between the residual and the plane
    p.append(f'<path d="M {proj[0] - 12} {proj[1] + 2} L {proj[0] - 12} {proj[1] - 12} '
             f'L {proj[0]} {proj[1] - 12}" fill="none" stroke="#c0392b" stroke-width="1.2"/>')
    # another point of the plane: farther from y
    other = (440, 228)
    p.append(f'<circle cx="{other[0]}" cy="{other[1]}" r="3.5" fill="#666"/>')
    p.append(line(other[0], other[1], y[0] - 3, y[1] + 4, color='#999', width=1.2, dash='3 3'))
    p.append(text(other[0] + 8, other[1] + 16, 'Xw（其他任意 w）', 12, anchor='start', fill='#666'))
    p.append(text(310, 295, '平面上离 y 最近的点是垂足；任何别的 Xw 离 y 都更远', 12, fill='#555'))
    return HEAD.format(w=640, h=310) + '\n'.join('  ' + s for s in p) + '\n</svg>\n'


if __name__ == '__main__':
    for name, svg in [('prelim-unit-balls.svg', unit_balls()),
                      ('linreg-projection.svg', projection())]:
        with open(name, 'w', encoding='utf-8') as f:
            f.write(svg)
