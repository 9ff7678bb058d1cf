"""``sensaware run``: the main job."""

from __future__ import annotations

import argparse
import sys

from empirical.cli.common import Command


def _configure(p: argparse.ArgumentParser) -> None:
    from empirical.pipeline.stages import PRESETS

    p.add_argument("--preset", choices=sorted(PRESETS), default="cpu-demo", help="configuration (default cpu-demo)")
    p.add_argument("--runs-dir", default="runs", help="where runs/<name>/ is written (default ./runs)")
    p.add_argument("--name", help="run name (default: the preset's)")


def _run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from empirical.pipeline.stages import PRESETS, run

    cfg = PRESETS[args.preset]
    if args.name:
        cfg = replace(cfg, name=args.name)
    run(cfg, args.runs_dir, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(f"report: {args.runs_dir}/{cfg.name}/report.md")
    return 0




def _configure_figures(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="figures", help="output folder (default figures/)")
    p.add_argument("--results", help="results.json (or summary.json) of a `sensaware run` for our models in (c)-(e) "
                   "(default: the bundled cpu-demo summary)")
    p.add_argument("--run", action="append", default=[], metavar="NAME=GRADED.jsonl",
                   help="add one of our graded runs to figure (c)")


def _run_figures(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from empirical.pipeline.figures import make_all, run_summary

    summary = None
    if args.results:
        p = Path(args.results)
        if not p.is_file():
            raise ValueError(f"`--results` {p}: no such file (a runs/<name>/results.json of `sensaware run`)")
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"`--results` {p}: not JSON ({exc})") from None
        if not isinstance(data, dict) or not ("models" in data or "config" in data):
            raise ValueError(f"`--results` {p}: neither a results.json nor a summary.json of `sensaware run`")
        summary = data if "models" in data else run_summary(data)
    extra = {}
    for item in args.run:
        if "=" not in item:
            raise ValueError(f"`--run` expects NAME=GRADED.jsonl, found {item!r}")
        k, v = item.split("=", 1)
        extra[k] = v
    for p in make_all(args.out, summary, extra):
        print(p)
    return 0


COMMANDS = (
    Command("run", "the main job: bounds, benchmark, fine-tuning, audit, figures and report", _configure, _run),
    Command("figures", "regenerate the figures (PNG + PDF + data JSON)", _configure_figures, _run_figures),
)
