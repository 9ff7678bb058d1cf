"""``sensaware batch export | import``: queries as an OpenAI Batch API input file, and its output back as answers."""

from __future__ import annotations

import argparse
import sys

from empirical.cli.common import Command, dump_json


def _configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="batch_command", required=True)
    e = sub.add_parser("export", help="write the Batch API input file (custom_id = query id)")
    e.add_argument("--queries", required=True, help="queries JSONL from `sensaware questionnaire`")
    e.add_argument("--model", required=True, help="the model the provider should run, e.g. gpt-4o-mini")
    e.add_argument("--out", required=True, help="batch input JSONL to upload")
    e.add_argument("--max-tokens", type=int, default=64, help="answer token limit (default 64)")
    e.add_argument("--limit-per-block", type=int, default=0, help="only the first N queries of each block")
    i = sub.add_parser("import", help="read the provider's output file(s) back as answer rows for `sensaware grade`")
    i.add_argument("outputs", nargs="+", help="batch output JSONL (and the error file, if the provider wrote one)")
    i.add_argument("--queries", required=True, help="the queries the batch was exported from")
    i.add_argument("--out", required=True, help="answers JSONL (written atomically)")
    i.add_argument("--model", required=True, help="the model the batch ran, as given to `batch export` (the rows' "
                   "`model` field, so `generate --backend openai --model NAME` can fill the gaps in the same file)")
    i.add_argument("--label", help="the rows' `model` field instead of --model (give the same --label to `generate`)")


def _run(args: argparse.Namespace) -> int:
    from empirical.model.batch_files import export_batch, import_batch
    from empirical.model.generate import read_queries

    if args.batch_command == "export":
        n = export_batch(read_queries(args.queries, args.limit_per_block), args.model, args.out, max_tokens=args.max_tokens)
        print(f"{n} requests -> {args.out}", file=sys.stderr)
        return 0
    report = import_batch(args.outputs, read_queries(args.queries), args.out, args.model, label=args.label)
    print(dump_json(report))
    if report["failed"] or report["missing"]:
        print(f"{report['failed']} failed and {report['missing']} missing requests are rows with field error in {args.out}; "
              f"`sensaware generate --backend openai --model {args.model}"
              + (f" --label {args.label}" if args.label else "")
              + f" --queries {args.queries} --out {args.out}` asks only those again", file=sys.stderr)
        return 1
    return 0


COMMANDS = (
    Command("batch", "OpenAI Batch API files: export queries, import the provider's answers", _configure, _run),
)
