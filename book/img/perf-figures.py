"""Draw the diagrams of the computational-performance chapter (run: python perf-figures.py)."""
from pathlib import Path

FONT = "DejaVu Sans, Noto Sans CJK SC, sans-serif"
HERE = Path(__file__).resolve().parent


def rect(x, y, w, h, fill='#f2f2f2', stroke_width=1.2):
    return (f"<rect x='{x}' y='{y}' width='{w}' height='{h}' rx='5' fill='{fill}' "
            f"stroke='#333333' stroke-width='{stroke_width}'/>")


def text(x, y, s, size=13, bold=False):
    weight = 'bold' if bold else 'normal'
    return (f"<text x='{x}' y='{y}' font-size='{size}' text-anchor='middle' "
            f"font-weight='{weight}' fill='#000' font-family='{FONT}' "
            f"dominant-baseline='central'>{s}</text>")


def arrow(x1, y1, x2, y2):
    return (f"<line x1='{x1}' y1='{y1}' x2='{x2}' y2='{y2}' stroke='#333333' "
            f"stroke-width='1.2' marker-end='url(#arrow)'/>")


def svg(width, height, body):
    head = (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}'>\n<defs><marker id='arrow' markerWidth='10' "
            "markerHeight='8' refX='9' refY='4' orient='auto'><path d='M0,0 L10,4 L0,8 z' "
            "fill='#333333'/></marker></defs>\n"
            f"<rect width='{width}' height='{height}' fill='white'/>\n")
    return head + '\n'.join(body) + '\n</svg>\n'


def data_parallel():
    body = [rect(200, 15, 240, 32, '#dde3f6'), text(320, 31, '小批量 B（256 个样本）')]
    for i, cx in enumerate((170, 470)):
        body.append(arrow(320, 47, cx, 80))
        rows = [(f'B{i + 1}：128 个样本', '#dde3f6'),
                (f'设备 {i}：完整的模型副本', '#f2f2f2'),
                (f'前向、反向传播 → 梯度 g{i + 1}', '#fde2c4')]
        for k, (label, fill) in enumerate(rows):
            y = 85 + 55 * k
            body += [rect(cx - 110, y, 220, 32, fill), text(cx, y + 16, label)]
            if k < 2:
                body.append(arrow(cx, y + 32, cx, y + 55))
        body.append(arrow(cx, 227, cx if i == 0 else cx, 265))
    body += [rect(60, 265, 520, 36, '#e4f2dc'),
             text(320, 283, '全归约：g = (|B1| g1 + |B2| g2) / |B|，每个设备都得到 g')]
    for cx in (170, 470):
        body += [arrow(cx, 301, cx, 330), rect(cx - 110, 330, 220, 32),
                 text(cx, 346, '同样的更新 w ← w − η g')]
    return svg(640, 380, body)


def ring_allreduce():
    names = ['a', 'b', 'c']
    stages = ['开始', '归约-散播之后', '全收集之后']
    body = []
    for s, title in enumerate(stages):
        x0 = 20 + 250 * s
        body.append(text(x0 + 105, 20, title, bold=True))
        for r in range(3):
            y = 45 + 70 * r
            body.append(text(x0 + 20, y + 16, f'节点{r}', size=12))
            for k in range(3):
                if s == 0:
                    label, fill, width = f'{names[r]}{k}', '#f2f2f2', 1.2
                elif s == 1:
                    done = k == (r + 1) % 3
                    label = f'Σ{k}' if done else '部分和'
                    fill, width = ('#e4f2dc', 2.5) if done else ('#f2f2f2', 1.2)
                else:
                    label, fill, width = f'Σ{k}', '#e4f2dc', 2.5
                body += [rect(x0 + 45 + 55 * k, y, 50, 32, fill, width),
                         text(x0 + 70 + 55 * k, y + 16, label, size=12)]
        if s < 2:
            body.append(arrow(x0 + 215, 130, x0 + 245, 130))
    body.append(text(385, 262, 'Σk = ak + bk + ck；每个阶段 2 步，每步每个节点把一块发给右邻居（节点 r → 节点 (r+1) mod 3）',
                     size=12))
    return svg(770, 285, body)


if __name__ == '__main__':
    (HERE / 'perf-data-parallel.svg').write_text(data_parallel(), encoding='utf-8')
    (HERE / 'perf-ring-allreduce.svg').write_text(ring_allreduce(), encoding='utf-8')
