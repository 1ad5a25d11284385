"""Draw the SVG diagrams of the optimization chapter.

Run from anywhere: python optimization-figures.py  (writes optimization-*.svg next to this file).
"""
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FONT = 'font-family="Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, DejaVu Sans, sans-serif"'
FILL = 'fill="#cfe8ff" stroke="#1f77b4" stroke-width="2"'


def svg(width, height, body):
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">\n'
            f'<rect width="{width}" height="{height}" fill="white"/>\n{body}</svg>\n')


def dot(x, y):
    return f'<circle cx="{x}" cy="{y}" r="4" fill="#333"/>'


def segment(x1, y1, x2, y2, dashed=False):
    style = 'stroke="#d62728" stroke-dasharray="5,4"' if dashed else 'stroke="#333"'
    return f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" {style} stroke-width="2"/>'


def label(x, y, text):
    return f'<text x="{x}" y="{y}" text-anchor="middle" font-size="15" {FONT}>{text}</text>'


def convex_sets():
    """An ellipse and a hexagon (convex) and an L-shaped set (not convex)."""
    parts = [f'<ellipse cx="90" cy="95" rx="65" ry="48" {FILL}/>',
             segment(50, 85, 132, 112), dot(50, 85), dot(132, 112), label(90, 185, '凸集')]
    hexagon = ' '.join(f'{250 + 58 * math.cos(math.pi / 3 * k):.1f},'
                       f'{95 + 58 * math.sin(math.pi / 3 * k):.1f}' for k in range(6))
    parts += [f'<polygon points="{hexagon}" {FILL}/>', segment(215, 70, 285, 125),
              dot(215, 70), dot(285, 125), label(250, 185, '凸集')]
    parts += ['<polygon points="370,40 410,40 410,115 490,115 490,155 370,155" '
              f'{FILL}/>',
              segment(390, 50, 410, 70), segment(410, 70, 455, 115, dashed=True),
              segment(455, 115, 475, 135), dot(390, 50), dot(475, 135),
              label(430, 185, '非凸集')]
    return svg(530, 200, '\n'.join(parts) + '\n')


if __name__ == '__main__':
    with open(os.path.join(HERE, 'optimization-convex-sets.svg'), 'w', encoding='utf-8') as f:
        f.write(convex_sets())
