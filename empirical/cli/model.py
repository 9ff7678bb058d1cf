"""``sensaware finetune`` and ``sensaware evaluate``: QLoRA fine-tuning and batched evaluation."""

from __future__ import annotations

import argparse
import json
import sys

from empirical.cli.common import Command, dump_json


def _configure_finetune(p: argparse.ArgumentParser) -> None:
    from empirical.cli.dp import dp_flags
    from empirical.model.finetune import PRESETS
    from empirical.model.loading import EMBEDDED

    p.add_argument("--model", default=EMBEDDED, help="Hugging Face id, local directory, or "
                   "embedded:smollm2-135m-instruct (default)")
    p.add_argument("--preset", choices=sorted(PRESETS), default="paper", help="recipe (paper = the paper's defaults)")
    p.add_argument("--config", help="TOML or YAML file overriding recipe keys")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override one key (JSON value)")
    p.add_argument("--out", required=True, help="adapter directory (checkpoints under OUT/checkpoints)")
    p.add_argument("--no-resume", action="store_true", help="ignore existing checkpoints")
    dp_flags(p)


def _overrides(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise ValueError(f"`--set` expects KEY=VALUE, found {pair!r}")
        k, v = pair.split("=", 1)
        try:
            out[k] = json.loads(v)
        except json.JSONDecodeError:
            out[k] = v
    return out


def _run_finetune(args: argparse.Namespace) -> int:
    from empirical.cli.dp import run_dp_finetune
    from empirical.model.finetune import PRESETS, FinetuneConfig, finetune, load_config_file
    from empirical.model.loading import require_train_extra

    require_train_extra()
    cfg = FinetuneConfig().updated(PRESETS[args.preset], f"preset {args.preset}")
    if args.config:
        cfg = cfg.updated(load_config_file(args.config), args.config)
    cfg = cfg.updated({"model": args.model, **_overrides(args.set)}, "--set")
    summary = run_dp_finetune(args, cfg) or finetune(cfg, args.out, resume=not args.no_resume)
    print(dump_json({k: v for k, v in summary.items() if k != "loss_curve"}))
    return 0


def _model_flags(p: argparse.ArgumentParser) -> None:
    from empirical.model.loading import EMBEDDED

    p.add_argument("--model", default=EMBEDDED, help="Hugging Face id, local directory, or embedded:smollm2-135m-instruct "
                   "(default)")
    p.add_argument("--adapter", help="LoRA adapter directory from `sensaware finetune`")
    p.add_argument("--no-quantize", action="store_true", help="load the base model unquantised")
    p.add_argument("--device", help="cpu or cuda (default: cuda when available)")


def _generation_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--queries", required=True, help="queries JSONL from `sensaware questionnaire`")
    p.add_argument("--limit-per-block", type=int, default=0, help="answer only the first N queries of each block")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--max-new-tokens", type=int, default=64)
    p.add_argument("--label", help="a name stored in every output row (field `model`)")


def _load(args: argparse.Namespace):
    from empirical.cli.backend import served_model
    from empirical.model.loading import load

    served = served_model(args)
    if served is not None:
        return served
    return load(args.model, args.adapter, quantize=not args.no_quantize, device=args.device,
                label=getattr(args, "label", None))


def _configure_generate(p: argparse.ArgumentParser) -> None:
    from empirical.cli.backend import backend_flags

    _model_flags(p)
    _generation_flags(p)
    backend_flags(p)
    p.add_argument("--out", required=True, help="answers JSONL (appended; a stopped run resumes); grade it with "
                   "`sensaware grade`")


def _run_generate(args: argparse.Namespace) -> int:
    from empirical.model.generate import generate_answers, read_queries
    from empirical.model.served import generate_served

    queries = read_queries(args.queries, args.limit_per_block)
    lm = _load(args)
    if args.backend == "openai":
        run = generate_served(lm, queries, args.out, max_tokens=args.max_new_tokens)
        print(dump_json(run))
        if run["failed"]:
            print(f"{run['failed']} requests failed (field error in {args.out}); rerun the same command to retry them",
                  file=sys.stderr)
        return 1 if run["failed"] else 0
    out = generate_answers(lm, queries, args.out, batch_size=args.batch_size, max_new_tokens=args.max_new_tokens)
    print(f"answers -> {out}", file=sys.stderr)
    return 0


def _configure_evaluate(p: argparse.ArgumentParser) -> None:
    from empirical.cli.backend import backend_flags

    _model_flags(p)
    _generation_flags(p)
    p.add_argument("--out", required=True, help="graded rows JSONL (the answers go to OUT's stem + .answers.jsonl, "
                   "appended, so a stopped run resumes)")
    p.add_argument("--answers", help="where the raw answers go (default: beside --out)")
    backend_flags(p)


def _run_evaluate(args: argparse.Namespace) -> int:
    from empirical.model.generate import read_queries
    from empirical.pipeline.evaluate import evaluate

    read_queries(args.queries, 1)  # a bad queries file fails before the model loads
    res = evaluate(_load(args), args.queries, args.out, answers_path=args.answers, limit_per_block=args.limit_per_block,
                   batch_size=args.batch_size, max_new_tokens=args.max_new_tokens)
    print(dump_json(res))
    if res.get("failed"):
        print(f"{res['failed']} queries have no answer (failed requests, not graded); rerun the same command to retry them",
              file=sys.stderr)
        return 1
    return 0


def _configure_capability(p: argparse.ArgumentParser) -> None:
    from empirical.cli.backend import backend_flags

    _model_flags(p)
    p.add_argument("--tasks", default="sensaware_capability",
                   help="comma-separated lm-eval tasks (default: the bundled offline set sensaware_capability; "
                        "e.g. ifeval,gsm8k_platinum,bbh,hellaswag when their data sets are available)")
    p.add_argument("--limit", type=int, help="at most N documents per task")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--cache", help="SQLite file for lm-eval's response cache (an interrupted run resumes)")
    p.add_argument("--out", help="write the summary JSON here too")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    backend_flags(p, max_tokens_alias=False)


def _run_capability(args: argparse.Namespace) -> int:
    from empirical.benchmark.files import atomic_write
    from empirical.cli.backend import served_model
    from empirical.model.capability import capability, format_table, parse_tasks
    from empirical.model.served_capability import capability_served

    parse_tasks(args.tasks)
    if args.batch_size < 1:
        raise ValueError(f"`--batch-size` must be >= 1. Found {args.batch_size}.")
    if args.limit is not None and args.limit < 1:
        raise ValueError(f"`--limit` must be >= 1 (documents per task). Found {args.limit}.")
    served = served_model(args)
    if served is not None:
        res = capability_served(served, args.tasks, limit=args.limit, cache=args.cache)
    else:
        res = capability(_load(args), args.tasks, limit=args.limit, batch_size=args.batch_size, cache=args.cache)
    if args.out:
        with atomic_write(args.out) as fh:
            json.dump(res, fh, indent=2)
    name = args.model + (f" + {args.adapter}" if args.adapter else "")
    print(dump_json(res) if args.json else format_table({name: res}))
    return 0


COMMANDS = (
    Command("finetune", "QLoRA fine-tuning for sensitivity awareness", _configure_finetune, _run_finetune),
    Command("generate", "answer queries with a model (answers only; grade them with `sensaware grade`)", _configure_generate,
            _run_generate),
    Command("evaluate", "generate answers to queries, grade and score them", _configure_evaluate, _run_evaluate),
    Command("capability", "general-capability retention on lm-eval tasks (bundled offline set by default)",
         _configure_capability, _run_capability),
)
