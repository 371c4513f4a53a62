"""Charts of daily figures, drawn on the server as SVG (no chart library, nothing from a CDN).

This module only computes the geometry; ``templates/editor/_charts.html`` renders it with Jinja's
autoescaping, as ``<svg role="img">`` with a ``<title>`` and a ``<desc>``, and every chart has a table
of the same figures beside it for screen readers and for copying.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 28, 40
MAX_X_LABELS = 8


@dataclass(frozen=True)
class Bar:
    """One bar: its box and what it shows."""

    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


@dataclass(frozen=True)
class Series:
    """One line of a line chart: its path (broken where a value is missing) and its points."""

    name: str
    css: str
    path: str
    points: tuple[tuple[float, float, str], ...]


@dataclass
class Chart:
    """A chart's frame, axes and marks; ``bars`` for a bar chart, ``series`` for a line chart."""

    id: str
    title: str
    desc: str
    width: int = WIDTH
    height: int = HEIGHT
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)

    @property
    def left(self) -> int:
        """The x of the y axis."""
        return LEFT

    @property
    def right(self) -> int:
        """The x where the plot ends."""
        return self.width - RIGHT

    @property
    def bottom(self) -> int:
        """The y of the x axis."""
        return self.height - BOTTOM


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least ``value`` (1 for nothing)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def _slots(chart: Chart, n: int) -> tuple[float, float]:
    """The width of one day's slot and the x of the first slot's left edge."""
    return (chart.right - chart.left) / max(n, 1), float(chart.left)


def _x_labels(chart: Chart, labels: Sequence[str]) -> list[tuple[float, str]]:
    slot, x0 = _slots(chart, len(labels))
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    return [(x0 + (i + 0.5) * slot, label) for i, label in enumerate(labels) if i % every == 0]


def _y(chart: Chart, value: float, top: float) -> float:
    return chart.bottom - (chart.bottom - TOP) * (value / top)


def bar_chart(chart_id: str, title: str, desc: str, labels: Sequence[str], values: Sequence[int]) -> Chart:
    """A bar per label (a day), with a y axis from 0 to a round number above the largest value."""
    chart = Chart(chart_id, title, desc)
    top = nice_ceiling(max(values, default=0))
    chart.y_ticks = [(_y(chart, top * f, top), f"{top * f:g}") for f in (0, 0.5, 1)]
    chart.x_labels = _x_labels(chart, labels)
    slot, x0 = _slots(chart, len(values))
    width = max(1.0, slot * 0.7)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = _y(chart, value, top)
        chart.bars.append(Bar(round(x0 + i * slot + (slot - width) / 2, 2), round(y, 2), round(width, 2),
                              round(chart.bottom - y, 2), label, str(value)))
    return chart


def line_chart(chart_id: str, title: str, desc: str, labels: Sequence[str],
               series: Sequence[tuple[str, str, Sequence[float | None]]]) -> Chart:
    """Lines of shares (0 to 1) per label, shown as percent; a missing value (None) breaks the line."""
    chart = Chart(chart_id, title, desc)
    chart.y_ticks = [(_y(chart, f, 1.0), f"{f:.0%}") for f in (0, 0.5, 1)]
    chart.x_labels = _x_labels(chart, labels)
    slot, x0 = _slots(chart, len(labels))
    for name, css, values in series:
        points, path, pen_down = [], [], False
        for i, value in enumerate(values):
            if value is None:
                pen_down = False
                continue
            x, y = round(x0 + (i + 0.5) * slot, 2), round(_y(chart, value, 1.0), 2)
            path.append(f"{'L' if pen_down else 'M'}{x} {y}")
            points.append((x, y, f"{labels[i]}: {value:.0%}"))
            pen_down = True
        chart.series.append(Series(name, css, " ".join(path), tuple(points)))
    return chart
