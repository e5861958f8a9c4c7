"""Charts of the site report, drawn on the server as SVG so that a printout and the PDF
show them without JavaScript. Each has a title and a description for screen readers; the
report prints the same figures in a table beside it, so the chart is never the only
carrier of a figure. Text is escaped: labels may be typed by users."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

WIDTH = 560
ROW_HEIGHT = 22
LABEL_WIDTH = 220
PALETTE = ["#1f4e79", "#8a4b08", "#2e6b30", "#6b2e63", "#5a5a5a"]


def _svg(*, height, title, description, body, width=WIDTH):
    return mark_safe(  # noqa: S308 - every piece of text below went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" class="report-chart">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>{body}</svg>"
    )


def bar_chart(rows, *, title, description=""):
    """Horizontal bars, one per (label, value); a withheld value (None) draws no bar and
    says so."""
    values = [value for _label, value in rows if value is not None]
    top = max(values, default=0) or 1
    span = WIDTH - LABEL_WIDTH - 50
    parts = []
    for index, (label, value) in enumerate(rows):
        y = index * ROW_HEIGHT
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end" font-size="12">'
            f"{escape(_short(label))}</text>"
        )
        if value is None:
            parts.append(
                f'<text x="{LABEL_WIDTH}" y="{y + 15}" font-size="12" font-style="italic">'
                f"{escape(_withheld_text())}</text>"
            )
            continue
        length = round(span * value / top) if value else 0
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{length}" height="{ROW_HEIGHT - 8}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 15}" font-size="12">{value}</text>'
        )
    height = max(len(rows), 1) * ROW_HEIGHT + 4
    return _svg(height=height, title=title, description=description, body="".join(parts))


def line_chart(series, *, categories, title, description="", low=1, high=5):
    """Lines over `categories` (the x axis, e.g. quarters), one per (label, values) in
    `series`, values None where there is no figure; the y axis from `low` to `high`."""
    legend_rows = len(series)
    height, left, right, top = 200 + 16 * legend_rows, 40, 20, 12
    bottom = 36 + 16 * legend_rows
    plot_width = WIDTH - left - right
    plot_height = height - top - bottom
    count = max(len(categories), 1)
    step = plot_width / max(count - 1, 1)

    def x(index):
        return left + (index * step if count > 1 else plot_width / 2)

    def y(value):
        return top + plot_height * (high - value) / (high - low)

    parts = []
    for tick in range(low, high + 1):
        parts.append(
            f'<line x1="{left}" x2="{WIDTH - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#d0d0d0" stroke-width="1"/>'
            f'<text x="{left - 8}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11">'
            f"{tick}</text>"
        )
    for index, category in enumerate(categories):
        parts.append(
            f'<text x="{x(index):.1f}" y="{top + plot_height + 16}" text-anchor="middle" '
            f'font-size="11">{escape(category)}</text>'
        )
    for number, (label, values) in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        points = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for px, py in points:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{colour}"/>')
        legend_y = top + plot_height + 34 + 16 * number
        parts.append(
            f'<rect x="{left}" y="{legend_y - 6}" width="14" height="4" fill="{colour}"/>'
            f'<text x="{left + 20}" y="{legend_y}" font-size="11">{escape(label)}</text>'
        )
    return _svg(height=height, title=title, description=description, body="".join(parts))


def _short(label, length=34):
    """A bar's label cut to fit beside it (the table beside the chart has it whole)."""
    label = str(label)
    return label if len(label) <= length else label[: length - 1].rstrip() + "…"


def _withheld_text():
    from django.utils.translation import gettext

    return gettext("withheld")
