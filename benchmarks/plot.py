"""A PNG of query latency, cold start and memory against fact count, from
the results `python -m benchmarks` writes (latest.json by default)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def series(results: dict[str, Any]) -> dict[str, list[float]]:
    """Per measured size (the article's own set left out), in fact order."""
    sizes = sorted(
        (r for r in results["sizes"] if not r.get("article_only")), key=lambda r: r["facts"]
    )
    out: dict[str, list[float]] = {
        "facts": [],
        "p50_ms": [],
        "p99_ms": [],
        "ready_s": [],
        "ready_built_s": [],
        "rss_mb": [],
        "pss_mb": [],
        "pss_two_mb": [],
    }
    for r in sizes:
        cold = r.get("cold_start")
        out["facts"].append(r["facts"])
        out["p50_ms"].append(r["factbot_p50_ms"])
        out["p99_ms"].append(r["factbot_p99_ms"])
        out["ready_s"].append(cold["ready_s"] if cold else float("nan"))
        built = cold.get("built") if cold else None
        out["ready_built_s"].append(built["ready_s"] if built else float("nan"))
        out["rss_mb"].append(cold["one_process_mb"]["rss_mb"] if cold else float("nan"))
        out["pss_mb"].append(cold["one_process_mb"]["pss_mb"] if cold else float("nan"))
        out["pss_two_mb"].append(cold["two_processes_mb"][0]["pss_mb"] if cold else float("nan"))
    return out


def plot(results: dict[str, Any], png: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = series(results)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    panels = [
        ("query latency (ms)", [("p50", "p50_ms"), ("p99", "p99_ms")]),
        (
            "process start to first answer (s)",
            [("saved index", "ready_s"), ("index built from the facts", "ready_built_s")],
        ),
        (
            "memory after start (MB)",
            [("RSS", "rss_mb"), ("PSS alone", "pss_mb"), ("PSS, one of two", "pss_two_mb")],
        ),
    ]
    for ax, (title, lines) in zip(axes, panels, strict=True):
        for label, key in lines:
            ax.plot(s["facts"], s[key], marker="o", label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("facts")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle(f"FactBot, {results.get('profile', '')} run of {results.get('started', '')}")
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.plot", description=__doc__)
    parser.add_argument("results", type=Path, nargs="?", default=RESULTS / "latest.json")
    parser.add_argument("--png", type=Path, default=RESULTS / "scaling.png")
    args = parser.parse_args(argv)
    print(plot(json.loads(args.results.read_text(encoding="utf-8")), args.png))
    return 0


if __name__ == "__main__":
    sys.exit(main())
