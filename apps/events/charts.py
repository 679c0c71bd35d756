"""Small inline SVG charts drawn on the server: no JavaScript, readable by screen readers
through each chart's <title>. Every function returns safe HTML."""

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

BAR_COLOUR = "#ba2121"
LINE_COLOUR = "#417690"


def bar_chart(items, *, title, width=480, bar_height=18, label_width=220):
    """Horizontal bars for [(label, value)], biggest first as given."""
    items = list(items)
    if not items:
        return format_html('<p class="chart-empty">{}: nothing recorded.</p>', title)
    top = max(value for _, value in items) or 1
    bar_space = width - label_width - 50
    height = len(items) * (bar_height + 6) + 4
    rows = []
    for index, (label, value) in enumerate(items):
        y = index * (bar_height + 6) + 2
        length = max(1, round(value / top * bar_space))
        rows.append(
            f'<text x="{label_width - 6}" y="{y + bar_height - 5}" text-anchor="end" font-size="12">'
            f"{escape(label)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" fill="{BAR_COLOUR}">'
            f"<title>{escape(label)}: {value}</title></rect>"
            f'<text x="{label_width + length + 4}" y="{y + bar_height - 5}" font-size="12">{value}</text>'
        )
    return _svg(title, width, height, "".join(rows))


def line_chart(points, *, title, width=640, height=180, label_every=6):
    """A line over [(label, value)] with a zero baseline and the maximum marked."""
    points = list(points)
    if not points:
        return format_html('<p class="chart-empty">{}: nothing recorded.</p>', title)
    top = max(value for _, value in points) or 1
    left, bottom, plot_height = 40, height - 22, height - 34
    step = (width - left - 10) / max(len(points) - 1, 1)
    coords = [(left + i * step, bottom - value / top * plot_height) for i, (_, value) in enumerate(points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    labels = "".join(
        f'<text x="{coords[i][0]:.1f}" y="{height - 6}" font-size="10" text-anchor="middle">'
        f"{escape(points[i][0])}</text>"
        for i in range(0, len(points), label_every)
    )
    body = (
        f'<line x1="{left}" y1="{bottom}" x2="{width - 10}" y2="{bottom}" stroke="#999"/>'
        f'<text x="{left - 4}" y="{bottom - plot_height + 4}" font-size="10" text-anchor="end">{top}</text>'
        f'<text x="{left - 4}" y="{bottom}" font-size="10" text-anchor="end">0</text>'
        f'<polyline fill="none" stroke="{LINE_COLOUR}" stroke-width="2" points="{path}"/>{labels}'
    )
    return _svg(title, width, height, body)


def sparkline(values, *, title, width=120, height=24):
    values = list(values)
    top = max(values, default=0) or 1
    step = width / max(len(values) - 1, 1)
    path = " ".join(f"{i * step:.1f},{height - 2 - value / top * (height - 4):.1f}" for i, value in enumerate(values))
    body = f'<polyline fill="none" stroke="{LINE_COLOUR}" stroke-width="1.5" points="{path}"/>'
    return _svg(title, width, height, body)


def _svg(title, width, height, body):
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>{body}</svg>'
    )
