"""DP-SGD on the LoRA parameters (Abadi et al., CCS 2016, arXiv 1607.00133, Algorithm 1): Poisson sampling,
per-example clipping, Gaussian noise; accounted by Google's dp-accounting under the replace-one relation.

One step with sampling rate q on n examples, clipping norm C and noise multiplier σ:

* the batch holds each example independently with probability q (expected size B = q·n; it may be empty);
* per-example gradients ``g_i`` of the example's own mean token loss, from Opacus' ``GradSampleModule`` (checked
  against single-example backward passes in the tests: Opacus issue #820 is a peft ≥ 0.14 trap where hooks on LoRA
  layers give wrong per-example gradients while training looks normal);
* ``ĝ = (Σ_i g_i·min(1, C/‖g_i‖) + N(0, σ²C²·I))/B`` over all trainable parameters jointly (‖·‖ the flat norm);
* the optimiser (AdamW, the recipe's learning rate) steps on ĝ: post-processing, so the guarantee is unchanged.

After T steps the training is (ε, δ)-DP for replace-one neighbours, ε from dp-accounting's PLD of
``SelfComposed(PoissonSampled(q, Gaussian(σ)), T)`` (``NeighboringRelation.REPLACE_ONE``, pessimistic), built in one
place, :func:`theory.dpsgd_pld`: the certified ε, the unit's guarantee, the calibration of σ and the SA bound's
privacy profile all read it.

*Privacy unit.* A person whose data sits in k training examples (their record in the context of several queries,
a twin, a canary written k times) changes k examples at once, so the guarantee of the **person** is group
privacy over k replacements, ``(kε₁, δ₁·Σ_{j<k} e^{jε₁})`` (result 8) for any point (ε₁, δ₁) of the per-example
profile; the reported (ε, δ) takes the smallest ε₁ whose group δ is ≤ δ. k is the largest number of examples that
hold one person (each row's ``persons``: their own record, their turns as asker or target). The neighbouring
datasets are training sets that differ in every row holding one person; a change to the company table that
regenerates the questionnaire may change other rows too and is not covered. ``privacy_unit="example"`` reports the
per-example guarantee (k = 1). Given a target ε for the unit, σ is calibrated by bisection on the unit's ε
(:func:`theory.dpsgd_calibrate`). The SA bound is the minimum over the group-privacy images of the per-example profile
(``theory.profile_sa_bound``).

*Randomness.* Sampling and noise come from the OS's cryptographically secure generator, fresh in every run and
never stored (:mod:`empirical.model.dp_randomness`); the recipe's ``seed`` sets only the LoRA initialisation.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

from empirical.model.adapters import lora_config, model_card, recipe, save_adapter
from empirical.model.dp_randomness import SOURCE, gaussian_noise, poisson_batch
from empirical.model.finetune import FinetuneConfig, PadCollator, build_dataset, tokenize_examples
from empirical.model.loading import load_model
from theory import (
    dpsgd_calibrate,
    dpsgd_privacy_profile,
    dpsgd_sa_bound,
    dpsgd_unit_guarantee,
    group_privacy,
    profile_sa_bound,
)

PRIVACY_UNITS = ("person", "example")

#: σ beyond which a run is refused: the noise on the mean update is σC/B, and above ~50 the update is noise.
MAX_NOISE_MULTIPLIER = 50.0
#: σ below which the replace-one PLD spans too many nats to be computed quickly.
MIN_NOISE_MULTIPLIER = 0.3


@dataclass(frozen=True)
class DpConfig:
    """DP-SGD settings: a target ε for the privacy unit (σ calibrated) or a noise multiplier σ; δ; clipping norm C;
    the SA game's G; the privacy unit (``person``: every example holding one person's data; ``example``)."""

    delta: float
    target_epsilon: float | None = None
    noise_multiplier: float | None = None
    max_grad_norm: float = 1.0
    groups: int = 7
    privacy_unit: str = "person"

    def validate(self, examples: int) -> None:
        """Every setting against its range; ``examples``: the number of units δ is compared with (:func:`units`)."""
        if (self.target_epsilon is None) == (self.noise_multiplier is None):
            raise ValueError("DP fine-tuning needs exactly one of `--target-epsilon` and `--noise-multiplier`.")
        if self.target_epsilon is not None and not (self.target_epsilon > 0 and math.isfinite(self.target_epsilon)):
            raise ValueError(f"`--target-epsilon` must be a finite number > 0. Found {self.target_epsilon!r}.")
        if self.noise_multiplier is not None and not (0 < self.noise_multiplier <= MAX_NOISE_MULTIPLIER):
            raise ValueError(f"`--noise-multiplier` must lie in (0, {MAX_NOISE_MULTIPLIER:g}]. Found {self.noise_multiplier!r}.")
        if not (self.max_grad_norm > 0 and math.isfinite(self.max_grad_norm)):
            raise ValueError(f"`--max-grad-norm` must be a finite number > 0. Found {self.max_grad_norm!r}.")
        if not 0 < self.delta < 1.0 / examples:
            raise ValueError(f"`--delta` must lie in (0, 1/n) = (0, {1.0 / examples:.3g}) for n = {examples} units (training "
                             f"examples, or persons when more) (δ ≥ 1/n allows releasing one outright). Found {self.delta!r}.")
        if self.groups < 2:
            raise ValueError(f"`groups` must be >= 2. Found {self.groups!r}.")
        if self.privacy_unit not in PRIVACY_UNITS:
            raise ValueError(f"`--privacy-unit` must be one of {', '.join(PRIVACY_UNITS)}. Found {self.privacy_unit!r}.")


def default_delta(examples: int) -> float:
    """δ = min(1/(n·ln n), 10⁻⁵) for n training examples: n·δ ≤ 1/ln n, so releasing one record outright stays
    unlikely however large n is (δ = 1/n would allow it)."""
    return min(1.0 / (examples * math.log(examples)), 1e-5) if examples > 1 else 1e-5


def units(rows: list[dict], privacy_unit: str) -> int:
    """How many units the δ must be small against: max(rows, distinct persons) for ``person``, the rows otherwise."""
    return max(len(rows), len(_person_counts(rows))) if privacy_unit == "person" else len(rows)


def group_size(rows: list[dict]) -> int:
    """k: the largest number of rows that hold one person (each row's ``persons``, a list of ids)."""
    return max(_person_counts(rows).values(), default=1)


def _person_counts(rows: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for i, r in enumerate(rows):
        ids = r.get("persons")
        if not ids or isinstance(ids, str):
            raise ValueError(f"training row {i} ({r.get('id', '?')}) names no `persons` (the ids of the people whose "
                             "data it holds): the person-level guarantee needs them for every row; give them, or "
                             "use `--privacy-unit example`")
        for p in set(ids):
            counts[p] = counts.get(p, 0) + 1
    return counts


def plan(cfg: FinetuneConfig, dp: DpConfig, rows: list[dict]) -> dict:
    """Sampling rate, steps, σ and the certified guarantee of the privacy unit for the training ``rows``; checks every
    input before any model is loaded. Expected batch B = per-device batch × accumulation; q = B/n; T = max_steps, or
    ⌈epochs·n/B⌉; k = :func:`group_size` of the rows for ``person``, 1 for ``example``."""
    examples = len(rows)
    k = group_size(rows) if dp.privacy_unit == "person" else 1
    dp.validate(units(rows, dp.privacy_unit))
    b = cfg.per_device_train_batch_size * cfg.gradient_accumulation_steps
    if b > examples:
        raise ValueError(f"the expected batch {b} exceeds the {examples} training examples; lower the batch size")
    q = b / examples
    steps = cfg.max_steps if cfg.max_steps > 0 else max(1, math.ceil(cfg.num_train_epochs * examples / b))
    sigma = dp.noise_multiplier or dpsgd_calibrate(target_epsilon=dp.target_epsilon, sampling_rate=q, steps=steps,
                                                   delta=dp.delta, group_size=k,
                                                   noise_range=(MIN_NOISE_MULTIPLIER, MAX_NOISE_MULTIPLIER))
    unit = dpsgd_unit_guarantee(noise_multiplier=sigma, sampling_rate=q, steps=steps, delta=dp.delta, group_size=k)
    if k == 1:
        sa = dpsgd_sa_bound(noise_multiplier=sigma, sampling_rate=q, steps=steps, groups=dp.groups).to_dict()
    else:  # the group-privacy image of every point of the per-example profile is a guarantee of the unit
        prof = dpsgd_privacy_profile(noise_multiplier=sigma, sampling_rate=q, steps=steps)
        ge, gd = group_privacy(list(prof.epsilons), list(prof.deltas), k)
        sa = profile_sa_bound(list(zip(ge, gd)), groups=dp.groups).to_dict()
    return {**unit.to_dict(), "privacy_unit": dp.privacy_unit, "noise_multiplier": sigma, "sampling_rate": q,
            "steps": steps, "expected_batch_size": b, "max_grad_norm": dp.max_grad_norm,
            "neighbouring_relation": "replace-one", "randomness": SOURCE,
            "accountant": "dp-accounting PLD (REPLACE_ONE, pessimistic; theory.dpsgd_pld)",
            "target_epsilon": dp.target_epsilon, "groups": dp.groups, "sa_bound": sa}


def per_example_loss(model, batch):
    """Each example's mean token loss (labels −100 ignored), shape (B,): the loss is per example, so a per-example
    gradient does not depend on the other examples of the batch (a batch-mean over tokens would)."""
    import torch

    dev = next(p for p in model.parameters() if p.requires_grad).device
    logits = model(input_ids=batch["input_ids"].to(dev), attention_mask=batch["attention_mask"].to(dev)).logits[:, :-1]
    labels = batch["labels"][:, 1:].to(dev)
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), labels.reshape(-1),
                                           ignore_index=-100, reduction="none").view(labels.shape)
    mask = (labels != -100).to(ce.dtype)
    return (ce * mask).sum(1) / mask.sum(1).clamp(min=1.0)


@dataclass
class DpStep:
    """What one step used: per-example gradients (flattened, B × P), their norms and clipped norms, the noise
    (P,), and the private mean gradient (P,)."""

    per_example: object
    norms: object
    clipped_norms: object
    noise: object
    gradient: object


def clip_factors(norms, max_grad_norm: float):
    """Per-example clipping factors ``min(1, C/‖g_i‖)`` (``norms`` a tensor of ‖g_i‖)."""
    return (max_grad_norm / (norms + 1e-12)).clamp(max=1.0)


def private_gradient(gsm, params, batch, *, max_grad_norm: float, noise_multiplier: float,
                     expected_batch_size: int, canaries=None) -> DpStep:
    """One DP-SGD gradient: per-example gradients from Opacus' ``GradSampleModule`` ``gsm`` (``loss_reduction="sum"``),
    clipped to ``max_grad_norm`` jointly over ``params``, summed in float64, plus N(0, σ²C²) from the OS's secure
    generator (:func:`empirical.model.dp_randomness.gaussian_noise`), divided by the expected batch size. ``batch``
    None is an empty Poisson batch (the gradient is noise). ``canaries``: the sampled gradient canaries of the white-box
    audit, ``(coordinates, values)`` of Dirac per-example gradients ``values[i]·e_{coordinates[i]}``, clipped by the same
    :func:`clip_factors` and summed with the examples' (:mod:`empirical.audit.white_box`). Writes ĝ into each ``p.grad``."""
    import torch

    total = sum(p.numel() for p in params)
    if batch is None:
        per = torch.zeros((0, total))
    else:
        for p in params:
            p.grad_sample = None
            p.grad = None
        per_example_loss(gsm, batch).sum().backward()
        missing = [i for i, p in enumerate(params) if getattr(p, "grad_sample", None) is None]
        if missing:
            raise RuntimeError(f"Opacus computed no per-example gradient for {len(missing)} trainable tensors: the "
                               "DP step would be wrong (Opacus issue #820); refusing to train")
        per = torch.cat([p.grad_sample.reshape(p.grad_sample.shape[0], -1).float().cpu() for p in params], dim=1).detach()
        for p in params:
            p.grad_sample = None
            p.grad = None
    norms = per.norm(dim=1)
    factor = clip_factors(norms, max_grad_norm)
    clipped = per * factor[:, None]
    summed = clipped.double().sum(0)
    if canaries is not None and len(canaries[0]):
        coords = torch.as_tensor(canaries[0], dtype=torch.long)
        values = torch.as_tensor(canaries[1], dtype=torch.float64)
        summed.index_add_(0, coords, values * clip_factors(values.abs(), max_grad_norm))
    noise = torch.from_numpy(gaussian_noise(total, noise_multiplier * max_grad_norm))
    grad = ((summed + noise) / expected_batch_size).float()
    off = 0
    for p in params:
        p.grad = grad[off:off + p.numel()].view_as(p).to(device=p.device, dtype=p.dtype).clone()
        off += p.numel()
    return DpStep(per, norms, clipped.norm(dim=1), noise, grad)


def wrap(model):
    """The peft model inside Opacus' ``GradSampleModule`` (per-example gradients by hooks, summed loss)."""
    from opacus import GradSampleModule

    return GradSampleModule(model, batch_first=True, loss_reduction="sum")


def dp_finetune(cfg: FinetuneConfig, dp: DpConfig, out_dir: str | os.PathLike, *, dataset: list[dict] | None = None,
                privacy: dict | None = None, gradient_canaries=None) -> dict:
    """DP-SGD fine-tuning of a LoRA adapter; writes the adapter, ``sensaware_finetune.json`` (with a ``dp`` entry:
    the certified (ε, δ) of the privacy unit, k, σ, q, T, C and the SA bound) and the model card to ``out_dir`` only
    at the end. ``privacy``: the :func:`plan` of these rows, when the caller computed it already. Every input is
    checked before the model loads, so bad input leaves no adapter. The learning rate follows the recipe's
    ``lr_scheduler_type``. No checkpoints: an interrupted DP run restarts (resuming would need the sampler's and the
    noise's state, which is never stored)."""
    import torch
    from peft import get_peft_model
    from transformers import get_scheduler, set_seed

    out = Path(out_dir)
    if (out / "adapter_config.json").is_file():
        raise ValueError(f"`--out` {out} already holds an adapter; choose another directory or delete it")
    if cfg.objective != "sft":
        raise ValueError(f"`objective` must be 'sft' with DP (found {cfg.objective!r}): DP-SGD privatises the "
                         "supervised loss's per-example gradients; a preference pair's gradient is not clipped here")
    rows = dataset if dataset is not None else build_dataset(cfg)
    privacy = privacy or plan(cfg, dp, rows)
    model, tok = load_model(cfg.model, quantize=cfg.quantize)
    feats = tokenize_examples(rows, tok, cfg.completion_only_loss)
    too_long = sum(len(f["input_ids"]) > cfg.max_length for f in feats)
    if too_long:
        raise ValueError(f"{too_long} of {len(rows)} examples are longer than `max_length` = {cfg.max_length} tokens")
    set_seed(cfg.seed)  # the LoRA initialisation only: sampling and noise never use it
    model = get_peft_model(model, lora_config(cfg, model))
    trainable, total = model.get_nb_trainable_parameters()
    model.train()
    gsm = wrap(model)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    steps, q, b = privacy["steps"], privacy["sampling_rate"], privacy["expected_batch_size"]
    n, wb = len(feats), gradient_canaries
    if wb is not None:
        wb.attach(params)
    sched = get_scheduler(cfg.lr_scheduler_type, opt, num_warmup_steps=cfg.warmup_steps, num_training_steps=steps)
    collate = PadCollator(tok.pad_token_id)
    from tqdm.auto import tqdm

    for _ in tqdm(range(steps), desc="DP-SGD", unit="step"):
        idx = poisson_batch(n + (wb.count if wb is not None else 0), q)
        real = [i for i in idx if i < n]
        batch = collate([feats[i] for i in real]) if real else None
        step = private_gradient(gsm, params, batch, max_grad_norm=dp.max_grad_norm,
                                noise_multiplier=privacy["noise_multiplier"], expected_batch_size=b,
                                canaries=None if wb is None else wb.sampled([i - n for i in idx if i >= n]))
        if wb is not None:
            wb.observe_gradient(step.gradient)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
    if wb is not None:
        wb.observe_final(params)
    # no loss, clipping count or realised batch size is recorded: statistics of private batches are not
    # differentially private; only the weights are released
    summary = {"config": recipe(cfg), "examples": len(rows), "trainable_parameters": trainable, "total_parameters": total,
               "global_step": steps, "train_loss": float("nan"), "loss_curve": [], "resumed_from": None, "dp": privacy}
    save_adapter(model, tok, summary, dp_model_card(summary), out)
    return summary


def dp_model_card(summary: dict) -> str:
    """The recipe's model card plus a section on the DP guarantee."""
    p = summary["dp"]
    sa = p["sa_bound"]
    k = p["group_size"]
    if p["privacy_unit"] == "person":
        unit = (f"one **person** (every training example holding their record, or them as asker or target, changed; up to "
                f"k = {k} examples hold one person)" + (
                    "" if k == 1 else f", by group privacy from the per-example ({p['example_epsilon']:.4g}, "
                                      f"{p['example_delta']:.3g})"))
    else:
        unit = "one training **example** changed (a person in several examples is protected only by group privacy)"
    lines = ["", "## Differential privacy (DP-SGD)", "",
             f"Certified **(ε, δ) = ({p['epsilon']:.4g}, {p['delta']:.3g})** for replace-one neighbours, privacy unit "
             f"{unit}; by {p['accountant']}.", "",
             f"DP-SGD on the LoRA parameters: Poisson sampling rate q = {p['sampling_rate']:.4g} (expected batch "
             f"{p['expected_batch_size']}), T = {p['steps']} steps, per-example clipping norm C = {p['max_grad_norm']:g}, "
             f"noise multiplier σ = {p['noise_multiplier']:.4g} (noise std σC/B on the mean gradient).", "",
             f"Sampling and noise: {p['randomness']}; the recipe's seed sets only the LoRA initialisation.", "",
             f"Sensitive-attribute bound for the privacy unit (G = {p['groups']}, uniform prior, from the replace-one "
             f"privacy profile): success ≤ {sa['success_bound']:.4f}, advantage ≤ {sa['advantage_bound']:.4f}.",
             "", "```json", json.dumps(p, indent=2), "```"]
    return model_card(summary) + "\n".join(lines) + "\n"
