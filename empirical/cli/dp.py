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


def run_dp_finetune(args: argparse.Namespace, cfg: FinetuneConfig, dataset: list[dict] | None = None) -> dict | None:
    """DP fine-tuning when ``--dp`` is set (None otherwise); DP flags without ``--dp`` are refused."""
    from empirical.model.dp import DpConfig, default_delta, dp_finetune, units
    from empirical.model.finetune import build_dataset

    given = [f for f, v in (("--target-epsilon", args.target_epsilon), ("--noise-multiplier", args.noise_multiplier),
                            ("--delta", args.delta)) if v is not None]
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
    return dp_finetune(cfg, dp, args.out, dataset=rows)
