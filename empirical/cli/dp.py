"""The DP-SGD flags of ``sensaware finetune`` (``--dp``): parsed here, trained by ``empirical.model.dp``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for annotations only: the CLI imports implementations when a command runs
    from empirical.model.finetune import FinetuneConfig


def dp_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("differential privacy (DP-SGD on the LoRA parameters, replace-one accounting)")
    g.add_argument("--dp", action="store_true", help="train with DP-SGD: Poisson sampling, per-example clipping, "
                   "Gaussian noise (Opacus per-example gradients)")
    g.add_argument("--target-epsilon", type=float, help="calibrate σ to this replace-one ε at --delta")
    g.add_argument("--noise-multiplier", type=float, help="σ (instead of --target-epsilon)")
    g.add_argument("--delta", type=float, help="δ, below 1/n for n units (examples, or persons when more; "
                   "default min(1/(n·ln n), 1e-5))")
    g.add_argument("--max-grad-norm", type=float, default=1.0, help="per-example clipping norm C (default 1.0)")
    g.add_argument("--groups", type=int, default=7, help="G of the SA bound in the model card (default 7: marital status)")
    g.add_argument("--privacy-unit", choices=("person", "example"), default="person",
                   help="what ε protects: a person (every example holding their data; group privacy over the largest "
                        "number k of examples holding one person; default) or one training example")
    g.add_argument("--white-box-canaries", type=int, default=0, metavar="M",
                   help="audit this DP-SGD code path white-box: M Dirac gradient canaries join the training (one LoRA "
                        "coordinate each, norm 10·C) and white_box_audit.json in --out holds the verdict against the "
                        "run's privacy profile and the ε lower bounds (all iterates; final adapter). The adapter is then "
                        "an audit artefact (the canaries moved M of its weights): do not release it")


def run_dp_finetune(args: argparse.Namespace, cfg: FinetuneConfig, dataset: list[dict] | None = None) -> dict | None:
    """DP fine-tuning when ``--dp`` is set (None otherwise); DP flags without ``--dp`` are refused."""
    from empirical.model.dp import DpConfig, default_delta, dp_finetune, units
    from empirical.model.finetune import build_dataset

    given = [f for f, v in (("--target-epsilon", args.target_epsilon), ("--noise-multiplier", args.noise_multiplier),
                            ("--delta", args.delta)) if v is not None]
    wb = args.white_box_canaries
    if wb:
        given.append("--white-box-canaries")
    if wb < 0:
        raise ValueError(f"`--white-box-canaries` must be an integer >= 0. Found {wb!r}.")
    if args.privacy_unit != "person":
        given.append("--privacy-unit")
    if not args.dp:
        if given:
            raise ValueError(f"{', '.join(given)} need(s) --dp")
        return None
    rows = dataset if dataset is not None else build_dataset(cfg)
    delta = args.delta if args.delta is not None else default_delta(units(rows, args.privacy_unit))
    dp = DpConfig(delta=delta, target_epsilon=args.target_epsilon, noise_multiplier=args.noise_multiplier,
                  max_grad_norm=args.max_grad_norm, groups=args.groups, privacy_unit=args.privacy_unit)
    if not wb:
        return dp_finetune(cfg, dp, args.out, dataset=rows)
    import json
    from pathlib import Path

    from empirical.audit.white_box import GradientCanaries, white_box_entries
    from empirical.benchmark.files import atomic_write
    from empirical.model.dp import plan

    privacy = plan(cfg, dp, rows)
    gc = GradientCanaries(wb, 10.0 * dp.max_grad_norm)
    summary = dp_finetune(cfg, dp, args.out, dataset=rows, privacy=privacy, gradient_canaries=gc)
    entries = white_box_entries(gc, privacy)
    with atomic_write(Path(args.out) / "white_box_audit.json") as fh:
        json.dump({"note": "audit artefact: the adapter beside this file carries the gradient canaries; do not release it",
                   "entries": entries}, fh, indent=1)
    for e in entries:
        print(f"{e['threat_model']}: verdict {e['verdict']}, ε lower bound {e['epsilon_lower_bound']:.3f} "
              f"(certified per-example ε {e['epsilon']:.3f})")
    if any(e["verdict"] == "violated" for e in entries):
        from empirical.audit.errors import AuditViolation

        raise AuditViolation(f"the white-box audit rejects this run's DP-SGD privacy profile; see {args.out}/white_box_audit.json")
    return summary
