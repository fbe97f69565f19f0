"""Usage charts as PNG bytes, sized for a Discord embed.

Each chart is drawn on its own `matplotlib.figure.Figure` with an Agg canvas,
never through pyplot, so there is no global figure state and charts can be
drawn in worker threads (`asyncio.to_thread`) while the event loop runs.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

from knowledge.stats import DailyCount

WIDTH_PX, HEIGHT_PX, DPI = 800, 400, 100
ANSWERED_COLOR = "#4C72B0"  # blue and orange stay distinct for colour-blind readers
NOT_ANSWERED_COLOR = "#DD8452"
TEXT_COLOR = "#333333"
GRID_COLOR = "#DDDDDD"
TICK_EVERY_DAYS = 5
TITLE_MAX_CHARS = 80
PAD_INCHES = 0.1
# Fixed English month names, so labels do not depend on the process locale.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def questions_per_day_png(daily: Sequence[DailyCount], *, title: str) -> bytes:
    """A stacked bar chart of answered and not answered questions per day.

    Returns an 800x400 PNG. Days are labelled every five days counting back
    from the last one, so the most recent day always has a label. When there
    are no questions at all the chart says "No questions yet".
    """
    fig = Figure(
        figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI),
        dpi=DPI,
        facecolor="white",
        # Margins fit the labels, however wide the numbers.
        layout=ConstrainedLayoutEngine(w_pad=PAD_INCHES, h_pad=PAD_INCHES / 2),
    )
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()

    positions = range(len(daily))
    answered = [d.answered for d in daily]
    not_answered = [d.not_answered for d in daily]
    ax.bar(positions, answered, width=0.8, color=ANSWERED_COLOR, label="Answered")
    ax.bar(
        positions,
        not_answered,
        width=0.8,
        bottom=answered,
        color=NOT_ANSWERED_COLOR,
        label="Not answered",
    )

    peak = max((a + n for a, n in zip(answered, not_answered, strict=True)), default=0)
    ax.set_xlim(-0.6, max(len(daily), 1) - 0.4)
    ax.set_ylim(0, max(peak * 1.1, 1))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10], min_n_ticks=1))
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ticks = list(range(len(daily) - 1, -1, -TICK_EVERY_DAYS))[::-1]
    ax.set_xticks(ticks, [_day_label(daily[i]) for i in ticks])

    ax.set_title(_clip(title, TITLE_MAX_CHARS), color=TEXT_COLOR, fontsize=13, loc="left")
    ax.set_xlabel("Day (UTC)", color=TEXT_COLOR)
    ax.set_ylabel("Questions", color=TEXT_COLOR)
    ax.tick_params(colors=TEXT_COLOR, labelsize=9)
    ax.grid(axis="y", color=GRID_COLOR, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#999999")

    if peak == 0:
        ax.text(
            0.5,
            0.5,
            "No questions yet",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=14,
            color="#888888",
        )
    fig.legend(loc="outside lower center", frameon=False, fontsize=9, ncols=2)

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _day_label(count: DailyCount) -> str:
    return f"{_MONTHS[count.day.month - 1]} {count.day.day}"


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
