"""Inline SVG charts, built in Python: no charting library, nothing to fetch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from ssot.report.history_report import number

WIDTH, HEIGHT = 360, 140
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 10, 12, 24
MAX_POINT_MARKS = 250  # beyond this the line alone is drawn (each point stays in the data table)


@dataclass(frozen=True, slots=True)
class Marker:
    """A vertical rule on every chart: a migration run, say (the phases of a roll-out)."""

    index: int  # position among the chart's x values (run order)
    label: str


def line_chart(title: str, xs: Sequence[int], values: Sequence[float], labels: Sequence[str], total: int,
               markers: Sequence[Marker] = ()) -> str:
    """A line chart of ``values`` at run positions ``xs`` (0 .. total-1), with ``labels`` as point titles."""
    lo, hi = min(values), max(values)
    if lo == hi:
        lo, hi = (lo - 1, hi + 1) if lo else (0, 1)
    lo = min(lo, 0) if lo >= 0 and hi > 0 and lo / hi < 0.5 else lo
    span_x = max(total - 1, 1)
    inner_w, inner_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM

    def px(x: int) -> float:
        return PAD_LEFT + inner_w * (x / span_x if total > 1 else 0.5)

    def py(v: float) -> float:
        return PAD_TOP + inner_h * (1 - (v - lo) / (hi - lo))

    first, now = values[0], values[-1]
    summary = f"{title}: {number(first)} at the first record, {number(now)} now, {len(values)} points"
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(summary)}" '
             f'data-points="{len(values)}" preserveAspectRatio="xMidYMid meet">']
    parts.append(f"<title>{escape(summary)}</title>")
    for v in (lo, hi):
        y = py(v)
        parts.append(f'<line class="grid" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{PAD_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{number(v)}</text>')
    for m in markers:
        x = px(m.index)
        parts.append(f'<line class="marker" x1="{x:.1f}" x2="{x:.1f}" y1="{PAD_TOP}" y2="{HEIGHT - PAD_BOTTOM}">'
                     f"<title>{escape(m.label)}</title></line>")
    coords = " ".join(f"{px(x):.1f},{py(v):.1f}" for x, v in zip(xs, values, strict=True))
    parts.append(f'<polyline class="line" points="{coords}"/>')
    if len(values) <= MAX_POINT_MARKS:
        for x, v, label in zip(xs, values, labels, strict=True):
            parts.append(f'<circle class="point" cx="{px(x):.1f}" cy="{py(v):.1f}" r="2.5">'
                         f"<title>{escape(label)}: {number(v)}</title></circle>")
    parts.append(f'<text class="axis" x="{PAD_LEFT}" y="{HEIGHT - 6}">run 1</text>')
    parts.append(f'<text class="axis" x="{WIDTH - PAD_RIGHT}" y="{HEIGHT - 6}" text-anchor="end">run {total}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_pair(title: str, rows: Sequence[tuple[str, float, float]], unit: str = "") -> str:
    """Horizontal bars, before and after, one pair per row (``label, before, after``)."""
    if not rows:
        return ""
    top = max(max(b, a) for _, b, a in rows) or 1
    row_h, label_w, width = 34, 150, WIDTH
    height = row_h * len(rows) + 8
    bar_w = width - label_w - 60
    parts = [f'<svg class="bars" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>"]
    for i, (label, before, after) in enumerate(rows):
        y = 4 + i * row_h
        parts.append(f'<text class="axis" x="{label_w - 6}" y="{y + 17}" text-anchor="end">{escape(label[:24])}</text>')
        for j, (cls, value) in enumerate((("before", before), ("after", after))):
            w = bar_w * value / top
            parts.append(f'<rect class="{cls}" x="{label_w}" y="{y + j * 14}" width="{w:.1f}" height="12">'
                         f"<title>{escape(label)} {cls}: {number(value)}{unit}</title></rect>")
            parts.append(f'<text class="axis" x="{label_w + w + 4:.1f}" y="{y + j * 14 + 10}">'
                         f"{number(value)}{unit}</text>")
    parts.append("</svg>")
    return "".join(parts)
