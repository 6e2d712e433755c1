"""Searches per day as an SVG bar chart, laid out here and drawn by the template (no script).

Each day is a bar of all its searches with the part without results drawn over it in another
colour; the y axis gets three to five round ticks, the x axis a date label about once a week.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from indexer.text import MONTHS_NL

from .insights import Day

WIDTH = 720
HEIGHT = 220
LEFT = 44  # room for the y labels
RIGHT = 24  # room for the last x label
BOTTOM = 28  # room for the x labels
TOP = 10


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    width: float
    y: float
    height: float
    zero_y: float
    zero_height: float
    label: str  # "12 maart: 5 zoekopdrachten, 1 zonder resultaat"


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    left: int
    right: int  # x where the plot ends
    top: int
    bottom: float  # y of the x axis
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    total: int


def _short(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d.day} {MONTHS_NL[d.month - 1][:3]}"


def _nice_step(maximum: int) -> int:
    """A round step giving three to five ticks: 1, 2, 5, 10, 20, 50 …"""
    if maximum <= 4:
        return 1
    raw = maximum / 4
    power = 10 ** math.floor(math.log10(raw))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def bar_chart(days: list[Day]) -> Chart:
    axis = HEIGHT - BOTTOM
    plot_height = axis - TOP
    peak = max((d.searches for d in days), default=0)
    step = _nice_step(peak)
    top_value = max(step, math.ceil(peak / step) * step)
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(days))
    gap = min(4.0, slot * 0.25)
    bars = []
    for n, d in enumerate(days):
        h = plot_height * d.searches / top_value
        zh = plot_height * d.without_results / top_value
        label = (
            f"{_short(d.day)}: {_plural(d.searches, 'zoekopdracht', 'zoekopdrachten')}, "
            f"{d.without_results} zonder resultaat"
        )
        bars.append(
            Bar(
                x=round(LEFT + n * slot + gap / 2, 2),
                width=round(slot - gap, 2),
                y=round(axis - h, 2),
                height=round(h, 2),
                zero_y=round(axis - zh, 2),
                zero_height=round(zh, 2),
                label=label,
            )
        )
    y_ticks = [
        Tick(round(axis - plot_height * v / top_value, 2), str(v)) for v in range(0, top_value + 1, step)
    ]
    every = max(1, math.ceil(len(days) / 8))
    x_ticks = [
        Tick(round(LEFT + (n + 0.5) * slot, 2), _short(d.day))
        for n, d in enumerate(days)
        if (len(days) - 1 - n) % every == 0
    ]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        bottom=axis,
        bars=bars,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        total=sum(d.searches for d in days),
    )
