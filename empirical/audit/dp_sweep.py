"""The DP sweep: one company assistant fine-tuned on its HR records plus m canaries, without DP and with DP-SGD at
each target ε, every model audited by the AI and the SA adversary next to its certified guarantee.

For each ε in the sweep (None = no DP) on the same training rows and canaries:

1. train a LoRA adapter on the rows (:func:`empirical.audit.canary.training_rows`): plain fine-tuning for None,
   DP-SGD (:func:`empirical.model.dp.dp_finetune`, σ calibrated to ε at the sweep's δ) otherwise;
2. the **AI adversary** scores the G candidate values of each canary by the fine-tuned model's log-likelihood,
   guesses the best, confidence the margin to the second (a ratio to the base model's likelihood was measured
   weaker: training makes every value plausible, so the ratio favours the values the base model finds rare);
3. the **SA adversary** asks through the chat as a verified, unauthorised colleague;
4. each adversary's guesses give one ``dp_audit`` entry (:func:`empirical.audit.canary.canary_audit`): success and
   advantage with intervals, and the one-run ε lower bound with abstention (the r most confident guesses, r from
   a small stated candidate set, Bonferroni-corrected); a DP run's entries at level 1 − (1 − level)/D for the D
   DP entries of the sweep, so the sweep's chance of a false alarm stays ≤ 1 − level.

5. with ``white_box_canaries`` > 0, every DP ε gets a second training of the same recipe that carries m Dirac
   gradient canaries through the production DP-SGD step, audited white-box (every privatised gradient; the final
   adapter only) against the run's whole DP-SGD privacy profile (:mod:`empirical.audit.white_box`).

Every entry carries its ``threat_model`` (``black_box``, ``white_box_all``, ``white_box_final``). A DP entry that
refutes its certified ε is a bug in training or accounting: :class:`AuditViolation` is raised after the entries are
written. Each ε's adapter (with the hash of the settings it was trained under) and
entries live in their own folder, so an interrupted sweep resumes at the first ε without entries, and an adapter of
other settings is retrained, never audited as this one. Every DP run's inputs are checked before any training.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from empirical.audit.canary import (
    ai_adversary,
    ai_scores,
    canary_audit,
    make_canaries,
    read_canaries,
    sa_adversary,
    training_rows,
    write_canaries,
)
from empirical.audit.errors import AuditViolation
from empirical.audit.white_box import GradientCanaries, white_box_entries
from empirical.benchmark.company import Company, build_company
from empirical.benchmark.files import atomic_write
from empirical.model.dp import MAX_NOISE_MULTIPLIER, DpConfig, dp_finetune, plan
from empirical.model.finetune import LORA_TARGETS, FinetuneConfig, finetune
from empirical.model.loading import load


@dataclass(frozen=True)
class Sigma:
    """A DP run of the sweep at a fixed noise multiplier σ (no target ε): its certified ε is the accountant's."""

    value: float


@dataclass(frozen=True)
class SweepConfig:
    """The sweep's data, training and audit sizes (the ``cpu`` values are measured in the README)."""

    epsilons: tuple[float | None, ...] = (None, 2.0)
    # DP runs at these noise multipliers σ besides (certified ε from the accountant, no target): ε beyond the reach of
    # calibration, whose smallest σ is empirical.model.dp.MIN_NOISE_MULTIPLIER
    noise_multipliers: tuple[float, ...] = ()
    delta: float = 1e-5
    canaries: int = 32
    repeats: int = 1  # k: records per canary value (k > 1: group privacy)
    employees: int = 4  # company records written beside the canaries (one row of two facts each)
    epochs: float = 16.0
    batch_size: int = 16
    learning_rate: float = 1e-2
    plain_learning_rate: float | None = None  # the run without DP's (None: learning_rate; DP-Adam wants a larger one)
    max_grad_norm: float = 1.0
    lora_r: int = 16
    lora_layers: int = 8  # LoRA on the last 8 layers: the backward pass stops there (a 2-core CPU budget)
    lora_targets: tuple[str, ...] = LORA_TARGETS  # the modules LoRA adapts (fewer: less noise for DP to add)
    model: str = "embedded:smollm2-135m-instruct"
    quantize: bool = True
    company_seed: int = 0
    seed: int = 0
    level: float = 0.95
    ai_centred: bool = False  # the AI adversary's scores centred per value over the canaries (canary.ai_adversary)
    white_box_canaries: int = 100_000  # gradient canaries of the white-box audit, one training per DP ε (0: none)
    white_box_norm: float = 10.0  # their gradient's norm, in clipping norms (clipping must act on it)

    def validate(self) -> None:
        for e in self.epsilons:
            if e is not None and not (isinstance(e, (int, float)) and not isinstance(e, bool) and 0 < e < math.inf):
                raise ValueError(f"`epsilons` must hold finite numbers > 0 or None (no DP). Found {e!r}.")
        for s in self.noise_multipliers:
            if isinstance(s, bool) or not isinstance(s, (int, float)) or not 0 < s <= MAX_NOISE_MULTIPLIER:
                raise ValueError(f"`noise_multipliers` must hold numbers in (0, {MAX_NOISE_MULTIPLIER:g}]. Found {s!r}.")
        if self.plain_learning_rate is not None and (isinstance(self.plain_learning_rate, bool) or not isinstance(
                self.plain_learning_rate, (int, float)) or not 0 < self.plain_learning_rate < 1):
            raise ValueError(f"`plain_learning_rate` must be None or a number in (0, 1). Found {self.plain_learning_rate!r}.")
        if not self.epsilons or len(set(self.epsilons)) != len(self.epsilons):
            raise ValueError(f"`epsilons` must be a non-empty list without repeats. Found {self.epsilons!r}.")
        tags = [run_tag(p) for p in self.points()]
        if len(set(tags)) != len(tags):
            raise ValueError(f"`epsilons` and `noise_multipliers` must differ in their first 6 digits (one folder per "
                             f"run). Found runs {tags}.")
        for k in ("canaries", "repeats", "batch_size", "lora_r", "lora_layers"):
            v = getattr(self, k)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"`{k}` must be an integer >= 1. Found {v!r}.")
        for k in ("employees", "white_box_canaries"):
            v = getattr(self, k)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"`{k}` must be an integer >= 0. Found {v!r}.")
        if (not isinstance(self.lora_targets, (tuple, list)) or not self.lora_targets
                or not all(isinstance(t, str) for t in self.lora_targets) or not set(self.lora_targets) <= set(LORA_TARGETS)):
            raise ValueError(f"`lora_targets` must be a non-empty list of {', '.join(LORA_TARGETS)}. "
                             f"Found {self.lora_targets!r}.")
        for k, lo, hi in (("delta", 0, 1), ("learning_rate", 0, 1), ("level", 0, 1), ("epochs", 0, math.inf),
                          ("max_grad_norm", 0, math.inf), ("white_box_norm", 0, math.inf)):
            v = getattr(self, k)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo < v < hi:
                raise ValueError(f"`{k}` must be a number in ({lo}, {hi}). Found {v!r}.")

    def training(self) -> FinetuneConfig:
        """The LoRA recipe of every run of the sweep (loss on the reply: the fact statement)."""
        return FinetuneConfig(model=self.model, quantize=self.quantize, lora_r=self.lora_r, lora_alpha=self.lora_r,
                              lora_layers=self.lora_layers, target_modules=tuple(self.lora_targets),
                              learning_rate=self.learning_rate,
                              lr_scheduler_type="constant_with_warmup", warmup_steps=2,
                              per_device_train_batch_size=self.batch_size, gradient_accumulation_steps=1,
                              num_train_epochs=self.epochs, max_length=256, completion_only_loss=True, style="compact",
                              save_steps=10_000, logging_steps=10, gradient_checkpointing=False, seed=3407 + self.seed)

    def points(self) -> list[float | None | Sigma]:
        """The sweep's runs in order: each target ε (None: no DP), then each fixed σ."""
        return [*self.epsilons, *(Sigma(float(s)) for s in self.noise_multipliers)]

    def candidates(self) -> tuple[int, ...]:
        """Numbers of guesses the one-run audit may choose among (Bonferroni over these)."""
        m = self.canaries
        return tuple(sorted({max(1, m // 10), max(1, m // 4), max(1, m // 2), m}))


SWEEPS: dict[str, SweepConfig] = {
    "cpu": SweepConfig(),
    "dp-sweep": SweepConfig(epsilons=(None, 8.0, 2.0, 0.5)),
    # black-box power: few trainable coordinates (LoRA rank 2 on v/o of the last 2 layers: DP noise on 7,680
    # coordinates, not 1.3M), a learning rate for DP-Adam, centred scores; ε from 0.5 to 1,000 (a target ε ≥ the
    # ε of σ = 0.3, the calibration's smallest σ, trains at σ = 0.3 and certifies that smaller ε) and σ = 0.1
    # (ε ≈ 1,460); the run without DP at the plain-Adam rate 0.01
    "black-box": SweepConfig(epsilons=(None, 1000.0, 64.0, 16.0, 8.0, 4.0, 2.0, 1.0, 0.5), noise_multipliers=(0.1,),
                             lora_r=2, lora_layers=2, lora_targets=("v_proj", "o_proj"), learning_rate=0.05,
                             plain_learning_rate=0.01, ai_centred=True, white_box_canaries=0),
    # where the black-box curve leaves chance: the cpu recipe (LoRA r 16 on every projection of the last 8 layers,
    # lr 0.01) at fixed σ = 0.05 (ε ≈ 5,750) and 0.1 (ε ≈ 1,460), centred scores, and the run without DP
    "small-sigma": SweepConfig(epsilons=(None,), noise_multipliers=(0.05, 0.1), ai_centred=True, white_box_canaries=0),
    # unit tests on the tiny model
    "tiny": SweepConfig(delta=1e-3, canaries=6, employees=4, epochs=1, batch_size=4, lora_r=4, lora_layers=1,
                        learning_rate=1e-2, quantize=False, white_box_canaries=500),
}


def run_tag(epsilon: float | None | Sigma) -> str:
    """The folder (and ``dp_sweep.seconds`` key) of one run: ``eps-inf`` without DP, ``eps-<ε>`` for a target ε,
    ``sigma-<σ>`` for a fixed σ."""
    if isinstance(epsilon, Sigma):
        return f"sigma-{epsilon.value:g}"
    return "eps-inf" if epsilon is None else f"eps-{epsilon:g}"


def settings(cfg: SweepConfig) -> dict:
    """The sweep's settings as keys hash them: fields added later left out at their defaults (no fixed σ, no plain
    learning rate, raw scores, LoRA on every projection), so a folder written before they existed keeps its key; LoRA's
    modules as a sorted list (their order is no setting)."""
    d = asdict(cfg)
    for k, default in (("noise_multipliers", ()), ("plain_learning_rate", None), ("ai_centred", False)):
        if d[k] == default:
            del d[k]
    if set(cfg.lora_targets) == set(LORA_TARGETS):
        del d["lora_targets"]
    else:
        d["lora_targets"] = sorted(set(cfg.lora_targets))
    return d


def _target(epsilon: float | None | Sigma) -> float | None:
    """A run's target ε (None for the run without DP and for a fixed σ)."""
    return None if isinstance(epsilon, Sigma) else epsilon


def _key(cfg: SweepConfig, epsilon: float | None, run_id: str, *, training: bool = False,
         entry_level: float | None = None) -> str:
    """What one ε's results depend on (``training``: what its adapter depends on, the audit's levels aside);
    ``run_id`` names the canary draw (a new draw retrains); ``entry_level`` the level its DP entries are audited at
    (it depends on how many DP entries the sweep has, so a changed list of ε re-audits)."""
    d = settings(cfg)
    # the list of runs is not a run's input; the plain learning rate is only the run without DP's; the centred scores
    # are the audit's, not the adapter's
    d.pop("noise_multipliers", None)
    plain = d.pop("plain_learning_rate", None)
    if epsilon is None and plain is not None:
        d["plain_learning_rate"] = plain
    if training:
        d.pop("ai_centred", None)
    sigma = {"run_sigma": epsilon.value} if isinstance(epsilon, Sigma) else {}
    d = d | {"epsilons": None, "run_epsilon": None if sigma else epsilon, "run_id": run_id} | sigma | (
        {"level": None, "white_box_canaries": None, "white_box_norm": None} if training
        else {"entry_level": entry_level})
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()


def _dp_config(cfg: SweepConfig, epsilon: float | Sigma) -> DpConfig:
    """The privacy unit is the person: a canary's ``repeats`` rows are one unit (the rows are one per person)."""
    sigma = epsilon.value if isinstance(epsilon, Sigma) else None
    return DpConfig(delta=cfg.delta, target_epsilon=_target(epsilon), noise_multiplier=sigma,
                    max_grad_norm=cfg.max_grad_norm, groups=7, privacy_unit="person")


def train_one(cfg: SweepConfig, epsilon: float | None, rows: list[dict], out: Path, privacy: dict | None = None) -> dict:
    """Train (or reuse) the adapter of one ε: its summary, with ``dp`` (the certified guarantee) for a DP run;
    ``privacy``: the run's :func:`empirical.model.dp.plan`. Every DP run draws its own noise and sampling."""
    done = out / "sensaware_finetune.json"
    if done.is_file():
        return json.loads(done.read_text(encoding="utf-8"))
    if epsilon is None:
        plain = replace(cfg.training(), learning_rate=cfg.plain_learning_rate or cfg.learning_rate)
        return finetune(plain, out, dataset=rows, resume=False)
    return dp_finetune(cfg.training(), _dp_config(cfg, epsilon), out, dataset=rows, privacy=privacy)


def audit_one(cfg: SweepConfig, epsilon: float | None, summary: dict, adapter: Path, company: Company,
              canaries, level: float | None = None) -> list[dict]:
    """The AI and the SA adversary's entries for one trained adapter."""
    lm = load(cfg.model, str(adapter), quantize=cfg.quantize, label=run_tag(epsilon))
    truths = np.array([c.value for c in canaries])
    dp = summary["dp"] if epsilon is not None else None
    # the audit's claim is per example (group privacy over a canary's `repeats` rows is applied inside canary_audit);
    # the SA bound is the privacy unit's
    certified = dp["example_epsilon"] if dp else None
    delta = dp["example_delta"] if dp else cfg.delta
    bound = dp["sa_bound"]["success_bound"] if dp else None
    level = level or cfg.level
    entries = []
    scores = ai_scores(lm, canaries)
    guesses, conf = ai_adversary(scores, centred=cfg.ai_centred)
    sa_guesses, sa_conf, refusals = sa_adversary(lm, company, canaries, seed=cfg.seed + 1)
    for name, g, c in (("ai", guesses, conf), ("sa", sa_guesses, sa_conf)):
        e = canary_audit(name, g, c, truths, delta=delta, epsilon=certified, group_size=cfg.repeats,
                         level=level, candidates=cfg.candidates())
        e.update(level=level, target_epsilon=_target(epsilon), success_bound=bound,
                 steps=dp["steps"] if dp else summary.get("global_step"))
        if name == "sa":
            e["refusal_rate"] = refusals
        if dp:
            e.update(noise_multiplier=dp["noise_multiplier"], unit_epsilon=dp["epsilon"], unit_delta=dp["delta"],
                     privacy_unit=dp["privacy_unit"])
        entries.append(e)
    return entries


def white_box_one(cfg: SweepConfig, epsilon: float, rows: list[dict], folder: Path, privacy: dict,
                  level: float) -> list[dict]:
    """The white-box audit of one DP ε: a training of the same recipe carrying ``white_box_canaries`` gradient
    canaries (:mod:`empirical.audit.white_box`), both threat models' entries; its adapter (perturbed by the canaries)
    is removed afterwards."""
    out = folder / "white-box-adapter"
    if out.exists():
        shutil.rmtree(out)
    gc = GradientCanaries(cfg.white_box_canaries, cfg.white_box_norm * cfg.max_grad_norm)
    dp_finetune(cfg.training(), _dp_config(cfg, epsilon), out, dataset=rows, privacy=privacy, gradient_canaries=gc)
    shutil.rmtree(out)
    entries = white_box_entries(gc, privacy, level=level)
    for e in entries:
        e["target_epsilon"] = _target(epsilon)
    return entries


def violations(entries: list[dict]) -> list[str]:
    """One line per DP entry that refutes its certified ε: an ε lower bound above it, or a white-box verdict
    "violated" against the whole profile."""
    out = []
    for e in entries:
        if e["epsilon"] is None:
            continue
        tm = e.get("threat_model", "black_box")
        if e["epsilon_lower_bound"] > e["epsilon"]:
            what = "ε lower bound" if tm == "black_box" else "ε lower bound (DP-SGD family)"
            out.append(f"{tm} {e['adversary']} at certified ε = {e['epsilon']:.4g}: {what} "
                       f"{e['epsilon_lower_bound']:.4g} exceeds it")
        elif tm != "black_box" and e["verdict"] == "violated":  # rejected at the run's own σ
            out.append(f"{tm} {e['adversary']} at certified ε = {e['epsilon']:.4g}: the DP-SGD profile is rejected "
                       f"(p = {e['claimed_p_value']:.3g})")
    return out


def run_sweep(cfg: SweepConfig, root: str | Path, log: Callable[[str], None] = print, *,
              raise_violations: bool = True) -> dict:
    """Every ε of the sweep, resumable; returns ``{"dp_audit": [entries…], "dp_sweep": {config, sizes, seconds,
    violations}}``. A DP entry that refutes its certified ε (:func:`violations`) raises :class:`AuditViolation` after
    every entry is written, unless ``raise_violations`` is False (the pipeline raises it after writing its results)."""
    cfg.validate()
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    company = build_company(cfg.company_seed)
    # the values are secret: drawn once, kept in the run folder
    saved = read_canaries(root / "canaries.json", cfg.canaries, cfg.seed, cfg.company_seed)
    canaries, run_id = saved or (make_canaries(company, cfg.canaries, cfg.seed), None)
    rows = training_rows(company, canaries, repeats=cfg.repeats, employees=cfg.employees, seed=cfg.seed,
                         canary_facts="sensitive")
    # every DP run's inputs (δ < 1/n, C, a reachable ε, the batch) checked before any training; each plan is passed on
    points = cfg.points()
    plans = {eps: plan(cfg.training(), _dp_config(cfg, eps), rows) for eps in points if eps is not None}
    run_id = run_id or write_canaries(root / "canaries.json", canaries, cfg.seed, cfg.company_seed)
    # each DP entry tests "ε_lb ≤ certified ε" at (1 − level)/(number of DP entries): Bonferroni, so a run that is
    # truly DP raises a false alarm with probability ≤ 1 − level overall
    n_dp = (2 + 2 * (cfg.white_box_canaries > 0)) * sum(e is not None for e in points)
    dp_level = 1 - (1 - cfg.level) / max(1, n_dp)
    entries, seconds = [], {}
    for i, eps in enumerate(points, 1):
        folder = root / run_tag(eps)
        what = f"σ = {eps.value:g}" if isinstance(eps, Sigma) else f"ε = {'∞' if eps is None else eps}"
        head = f"  dp sweep [{i}/{len(points)}] {what}:"
        result = folder / "entries.json"
        key = _key(cfg, eps, run_id, entry_level=None if eps is None else dp_level)
        if result.is_file():
            saved = json.loads(result.read_text(encoding="utf-8"))
            if saved.get("key") == key:
                log(f"{head} done before")
                entries += saved["entries"]
                seconds[run_tag(eps)] = saved["seconds"]
                continue
        log(f"{head} training on {len(rows)} rows …")
        adapter, trained_key = folder / "adapter", folder / "adapter.key"
        train_key = _key(cfg, eps, run_id, training=True)
        if adapter.exists() and not (trained_key.is_file() and trained_key.read_text() == train_key):
            shutil.rmtree(adapter)  # trained under other settings (or its key was lost): never audited as this one
        t = time.perf_counter()
        summary = train_one(cfg, eps, rows, adapter, plans.get(eps))
        with atomic_write(trained_key) as fh:
            fh.write(train_key)
        trained = time.perf_counter() - t
        found = audit_one(cfg, eps, summary, adapter, company, canaries, None if eps is None else dp_level)
        for e in found:
            e["threat_model"] = "black_box"
        sec = {"train": trained, "audit": time.perf_counter() - t - trained}
        if eps is not None and cfg.white_box_canaries:
            log(f"{head} white-box audit, {cfg.white_box_canaries} gradient canaries …")
            t = time.perf_counter()
            found += white_box_one(cfg, eps, rows, folder, plans[eps], dp_level)
            sec["white_box"] = time.perf_counter() - t
        for e in found:
            e["run"] = run_tag(eps)
        with atomic_write(result) as fh:
            json.dump({"key": key, "entries": found, "seconds": sec}, fh, indent=1)
        entries += found
        seconds[run_tag(eps)] = sec
        for e in found:
            log(f"    {e['threat_model']} {e['adversary']}: success {e['success']:.3f}, ε_lb "
                f"{e['epsilon_lower_bound']:.3f} ({e['correct']}/{e['guesses']} guesses right)")
    bad = violations(entries)
    out = {"dp_audit": entries, "dp_sweep": {"config": asdict(cfg), "rows": len(rows), "seconds": seconds,
                                             "violations": bad}}
    if bad and raise_violations:
        raise AuditViolation(violation_message(bad))
    return out


def violation_message(bad: list[str]) -> str:
    """The one-line error of a sweep with violations."""
    return f"DP audit violated ({len(bad)}): " + "; ".join(bad) + " — a bug in DP training or accounting"
