"""``sensaware run``: the main job."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from empirical.cli.common import Command


def _configure(p: argparse.ArgumentParser) -> None:
    from empirical.pipeline.stages import PRESETS

    p.add_argument("--preset", choices=sorted(PRESETS), default="cpu-demo", help="configuration (default cpu-demo)")
    p.add_argument("--runs-dir", default="runs", help="where runs/<name>/ is written (default ./runs)")
    p.add_argument("--name", help="run name (default: the preset's)")


def _run(args: argparse.Namespace) -> int:
    from empirical.pipeline.stages import PRESETS, run

    cfg = PRESETS[args.preset]
    if args.name:
        cfg = replace(cfg, name=args.name)
    run(cfg, args.runs_dir, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(f"report: {args.runs_dir}/{cfg.name}/report.md")
    return 0


def _configure_figures(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="figures", help="output folder (default figures/)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--data", help="draw only, from the <figure>.json files in this folder (e.g. runs/NAME/figure_data "
                     "or a figures/ folder)")
    src.add_argument("--results", help="results.json (or summary.json) of a `sensaware run` for our models in (c)-(e) "
                     "(default: the bundled cpu-demo summary); the figure data is computed, then drawn")
    p.add_argument("--run", action="append", default=[], metavar="NAME=GRADED.jsonl",
                   help="add one of our graded runs to figure (c)")


def _load_summary(path: str) -> dict:
    from empirical.pipeline.summary import run_summary

    p = Path(path)
    if not p.is_file():
        raise ValueError(f"`--results` {p}: no such file (a runs/<name>/results.json of `sensaware run`)")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"`--results` {p}: not JSON ({exc})") from None
    if not isinstance(data, dict) or not ("models" in data or "config" in data):
        raise ValueError(f"`--results` {p}: neither a results.json nor a summary.json of `sensaware run`")
    return data if "models" in data else run_summary(data)


def _run_figures(args: argparse.Namespace) -> int:
    from empirical.pipeline.figures import draw_all, read_figure_data
    from empirical.pipeline.summary import figure_data

    extra = {}
    for item in args.run:
        if "=" not in item:
            raise ValueError(f"`--run` expects NAME=GRADED.jsonl, found {item!r}")
        k, v = item.split("=", 1)
        extra[k] = v
    if args.data:
        if extra:
            raise ValueError("`--run` adds a graded run to the computed data; it cannot be combined with --data")
        data = read_figure_data(args.data)
    else:
        data = figure_data(_load_summary(args.results) if args.results else None, extra)
    for p in draw_all(data, args.out):
        print(p)
    return 0


COMMANDS = (
    Command("run", "the main job: bounds, benchmark, fine-tuning, audit, figures and report", _configure, _run),
    Command("figures", "regenerate the figures (PNG + PDF + data JSON)", _configure_figures, _run_figures),
)
