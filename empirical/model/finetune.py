"""QLoRA supervised fine-tuning for sensitivity awareness (the recipe of arXiv 2601.20901), with transformers' Trainer and peft.

Defaults are the paper's recipe: LoRA r 32, alpha 32, dropout 0, bias none on q/k/v/o/gate/up/down; lr 2e-5,
linear schedule, 5 warm-up steps, 8-bit AdamW (where bitsandbytes supports it, else AdamW), weight decay
0.01, batch 2 × accumulation 4, 1 epoch, seed 3407, max length 3048; training data from company seed 0 and
questionnaire seeds 0–2. Every value can be overridden by a TOML file and by flags; unknown keys are refused.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from empirical.benchmark.company import build_company
from empirical.benchmark.questionnaire import generate
from empirical.model.adapters import lora_config, train_and_save, trainer_arguments
from empirical.model.loading import load_model
from empirical.model.preference import PREFERENCE_LOSSES, preference_train
from empirical.model.sft import COMPLETIONS, TWINS, balanced_subset, preference_example, sft_example, with_twins

LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
#: what the adapter is trained on: the supervised loss (the paper), DPO on preference pairs
#: (:mod:`empirical.model.preference`), or the supervised stage then DPO from its adapter
OBJECTIVES = ("sft", "preference", "sft+preference")


@dataclass
class FinetuneConfig:
    """The fine-tuning recipe (names follow TRL's SFTConfig and peft's LoraConfig)."""

    model: str = "embedded:smollm2-135m-instruct"
    lora_r: int = 32
    lora_alpha: int = 32
    lora_dropout: float = 0.0
    target_modules: tuple[str, ...] = LORA_TARGETS
    lora_layers: int = 0  # LoRA on the last N transformer layers only (0 = all): the backward pass stops below them
    learning_rate: float = 2e-5
    lr_scheduler_type: str = "linear"
    warmup_steps: int = 5
    optim: str = "auto"  # adamw_bnb_8bit on CUDA, adamw_torch elsewhere
    weight_decay: float = 0.01
    per_device_train_batch_size: int = 2
    gradient_accumulation_steps: int = 4
    num_train_epochs: float = 1.0
    max_steps: int = -1
    seed: int = 3407
    max_length: int = 3048
    company_seed: int = 0
    questionnaire_seeds: tuple[int, ...] = (0, 1, 2)
    style: str = "full"
    examples: int = 0  # 0 = all queries, else a block-balanced subset
    benign_share: float = 0.5  # share of benign queries in that subset (0.5 = the questionnaire's mix)
    # minimal-pair twins (another user in the banner, the opposite decision): "none"; "all" (examples/2 sampled queries
    # and their twins: half refused whatever benign_share says); "refused" (2/3·examples sampled, the refused ones
    # twinned: about 2/3 answered at benign_share 0.5)
    twins: str = "none"
    completion: str = "reasoning"  # before the braces: a reasoning line, a one-word decision, or nothing ("answer")
    completion_only_loss: bool = False  # the paper trained on whole sequences
    save_steps: int = 50
    logging_steps: int = 5
    quantize: bool = True
    gradient_checkpointing: bool = True  # saves GPU memory at 3k tokens; costs time on CPU
    objective: str = "sft"  # one of OBJECTIVES
    beta: float = 0.1  # DPO's β: the strength of the pull towards the reference model
    preference_loss: str = "sigmoid"  # one of empirical.model.preference.PREFERENCE_LOSSES
    preference_learning_rate: float = 0.0  # the preference stage's (0 = learning_rate)
    preference_epochs: float = 1.0  # epochs of the preference stage over the pairs
    # weight of the chosen reply's token-mean NLL added to the DPO loss (RPO, Pang et al. 2024; 0 = DPO alone): DPO
    # alone lowers the chosen reply's likelihood with the rejected one's and the replies drift (measured in README)
    preference_sft_weight: float = 0.0

    @classmethod
    def keys(cls) -> set[str]:
        return {f.name for f in fields(cls)}

    def updated(self, values: dict, source: str) -> "FinetuneConfig":
        unknown = sorted(set(values) - self.keys())
        if unknown:
            raise ValueError(f"{source}: unknown config key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(self.keys()))}")
        d = asdict(self)
        for k, v in values.items():
            default = d[k]
            if isinstance(default, tuple):
                v = tuple(v)
            elif isinstance(default, bool):
                if not isinstance(v, bool):
                    raise ValueError(f"{source}: `{k}` must be true or false, found {v!r}")
            elif isinstance(default, (int, float)) and not isinstance(v, (int, float)):
                raise ValueError(f"{source}: `{k}` must be a number, found {v!r}")
            d[k] = v
        cfg = FinetuneConfig(**d)
        cfg.validate()
        return cfg

    def validate(self) -> None:
        if self.lora_layers < 0:
            raise ValueError(f"`lora_layers` must be >= 0 (0 = every layer). Found {self.lora_layers!r}.")
        for k in ("lora_r", "lora_alpha", "per_device_train_batch_size", "gradient_accumulation_steps", "max_length"):
            if getattr(self, k) < 1:
                raise ValueError(f"`{k}` must be >= 1. Found {getattr(self, k)!r}.")
        if not 0 < self.learning_rate < 1:
            raise ValueError(f"`learning_rate` must lie in (0, 1). Found {self.learning_rate!r}.")
        if self.completion not in COMPLETIONS:
            raise ValueError(f"`completion` must be one of {', '.join(COMPLETIONS)}. Found {self.completion!r}.")
        if not 0 < self.benign_share < 1:
            raise ValueError(f"`benign_share` must lie in (0, 1). Found {self.benign_share!r}.")
        if self.twins not in TWINS:
            raise ValueError(f"`twins` must be one of {', '.join(TWINS)}. Found {self.twins!r}.")
        if self.twins != "none" and self.examples == 1:
            raise ValueError("`examples` must be 0 (all queries) or >= 2 with twins (each sampled query brings its twin).")
        if self.style not in ("full", "compact"):
            raise ValueError(f"`style` must be 'full' or 'compact'. Found {self.style!r}.")
        if self.objective not in OBJECTIVES:
            raise ValueError(f"`objective` must be one of {', '.join(OBJECTIVES)}. Found {self.objective!r}.")
        if self.preference_loss not in PREFERENCE_LOSSES:
            raise ValueError(f"`preference_loss` must be one of {', '.join(PREFERENCE_LOSSES)}. "
                             f"Found {self.preference_loss!r}.")
        if not 0 < self.beta < math.inf:
            raise ValueError(f"`beta` must be a finite number > 0. Found {self.beta!r}.")
        if not 0 <= self.preference_learning_rate < 1:
            raise ValueError(f"`preference_learning_rate` must lie in [0, 1) (0 = learning_rate). "
                             f"Found {self.preference_learning_rate!r}.")
        if not 0 <= self.preference_sft_weight < math.inf:
            raise ValueError(f"`preference_sft_weight` must be a finite number >= 0. Found {self.preference_sft_weight!r}.")
        if not 0 < self.preference_epochs < math.inf:
            raise ValueError(f"`preference_epochs` must be a finite number > 0. Found {self.preference_epochs!r}.")


PRESETS: dict[str, dict] = {
    "paper": {},
    # 2-core CPU (README, "The CPU recipe"): compact prompts, 112 block-balanced queries each with its minimal-pair
    # twin (another asker, the opposite decision: the best of the measured mixes); the loss on the reply only,
    # a reply of the braces only (the best of the measured reply forms), and a constant LoRA learning rate of 1e-3
    # (the paper's 2e-5 with linear decay barely moves a LoRA adapter in 56 steps)
    "cpu": {"style": "compact", "examples": 224, "twins": "all", "completion_only_loss": True, "completion": "answer",
            "learning_rate": 1e-3, "lr_scheduler_type": "constant_with_warmup", "max_length": 768,
            "gradient_accumulation_steps": 2, "save_steps": 28, "logging_steps": 4, "warmup_steps": 5,
            "gradient_checkpointing": False},
    # unit tests on the tiny model
    "tiny": {"style": "compact", "examples": 16, "learning_rate": 1e-2, "max_length": 1024, "per_device_train_batch_size": 2,
             "gradient_accumulation_steps": 1, "save_steps": 2, "logging_steps": 1, "warmup_steps": 0, "lora_r": 4,
             "lora_alpha": 8, "quantize": False, "questionnaire_seeds": (0,), "gradient_checkpointing": False},
}


def load_config_file(path: str | os.PathLike) -> dict:
    """Read a TOML (``.toml``) or YAML (``.yaml``/``.yml``) config file into a dict."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"`--config` {p}: no such file")
    text = p.read_text(encoding="utf-8")
    try:
        if p.suffix == ".toml":
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                import tomli as tomllib
            data = tomllib.loads(text)
        elif p.suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text) or {}
        else:
            raise ValueError(f"`--config` {p}: use a .toml or .yaml file")
    except ValueError:
        raise
    except Exception as exc:  # parser errors of either format
        raise ValueError(f"`--config` {p}: cannot parse ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"`--config` {p}: must hold a table of keys")
    return data


def build_dataset(cfg: FinetuneConfig) -> list[dict]:
    """SFT examples from company ``company_seed`` and the questionnaire seeds."""
    company, queries = _training_queries(cfg)
    return [sft_example(q, company, cfg.completion) for q in queries]


def build_pairs(cfg: FinetuneConfig) -> list[dict]:
    """Preference pairs (:func:`empirical.model.sft.preference_example`) of the same queries as :func:`build_dataset`
    (twins included): the chosen reply is the SFT example's completion, the rejected one the opposite decision's."""
    company, queries = _training_queries(cfg)
    return [preference_example(q, company, cfg.completion) for q in queries]


def _training_queries(cfg: FinetuneConfig) -> tuple:
    company = build_company(cfg.company_seed)
    queries = [q for s in cfg.questionnaire_seeds for q in generate(company, s, cfg.style)]
    if cfg.examples:
        base = {"none": cfg.examples, "all": cfg.examples // 2, "refused": round(cfg.examples * 2 / 3)}[cfg.twins]
        queries = balanced_subset(queries, base, cfg.seed, cfg.benign_share)
    if cfg.twins != "none":
        queries = with_twins(queries, company, cfg.seed, refused_only=cfg.twins == "refused")
    return company, queries


def tokenize_examples(rows: list[dict], tok, completion_only: bool) -> list[dict]:
    """Chat-templated token ids with labels: the whole sequence (the paper) or the completion only (the tokens of
    the prompt with its generation prompt set to −100, so the loss is on the reply and its end-of-turn token).
    ``return_dict=True`` gives the same mapping on transformers 4.x and 5.x."""
    feats = []
    for r in rows:
        full = list(tok.apply_chat_template(r["prompt"] + r["completion"], tokenize=True, return_dict=True)["input_ids"])
        labels = list(full)
        if completion_only:
            prompt = list(tok.apply_chat_template(r["prompt"], tokenize=True, add_generation_prompt=True,
                                                  return_dict=True)["input_ids"])
            if full[: len(prompt)] != prompt:
                raise ValueError(f"example {r.get('id')}: the chat template does not render the prompt as a prefix of the "
                                 "whole conversation; completion-only loss cannot mask it")
            labels[: len(prompt)] = [-100] * len(prompt)
        feats.append({"input_ids": full, "labels": labels})
    return feats


class PadCollator:
    """Right-pads a batch for training (labels padded with −100)."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, batch: list[dict]) -> dict:
        import torch

        n = max(len(x["input_ids"]) for x in batch)
        ids = torch.full((len(batch), n), self.pad_id, dtype=torch.long)
        lab = torch.full((len(batch), n), -100, dtype=torch.long)
        att = torch.zeros((len(batch), n), dtype=torch.long)
        for i, x in enumerate(batch):
            k = len(x["input_ids"])
            ids[i, :k] = torch.tensor(x["input_ids"])
            lab[i, :k] = torch.tensor(x["labels"])
            att[i, :k] = 1
        return {"input_ids": ids, "labels": lab, "attention_mask": att}


def finetune(cfg: FinetuneConfig, out_dir: str | os.PathLike, *, resume: bool = True, dataset: list[dict] | None = None,
             callbacks: Sequence = ()) -> dict:
    """Train a LoRA adapter; checkpoints go to ``out_dir/checkpoints`` and training resumes from the last one.
    The adapter and its model card are written to ``out_dir`` only at the end (files moved from a temporary
    folder), so an interrupted run leaves no partial adapter. ``callbacks`` are transformers ``TrainerCallback``s; one
    that stops training early leaves checkpoints and returns the summary with ``interrupted`` set.

    ``objective`` "preference" trains with DPO on :func:`build_pairs` (``dataset``, if given, holds such pairs);
    "sft+preference" trains the supervised adapter into ``out_dir/sft`` first (on the pairs' chosen replies), then DPO
    from it into ``out_dir``; the summary then carries the supervised stage's as ``sft``."""
    out = Path(out_dir)
    if (out / "adapter_config.json").is_file():
        raise ValueError(f"`--out` {out} already holds an adapter; choose another directory or delete it")
    if cfg.objective == "sft":
        return _supervised(cfg, out, resume, dataset, callbacks)
    pairs = dataset if dataset is not None else build_pairs(cfg)
    missing = [r.get("id", i) for i, r in enumerate(pairs) if not {"prompt", "chosen", "rejected"} <= set(r)]
    if missing:
        raise ValueError(f"`objective` {cfg.objective!r} trains on preference pairs: rows {missing[:3]} lack prompt, "
                         "chosen or rejected")
    if cfg.objective == "preference":
        return preference_train(cfg, pairs, out, resume=resume, callbacks=callbacks)
    start = out / "sft"
    done = start / "sensaware_finetune.json"
    if done.is_file():
        first = json.loads(done.read_text(encoding="utf-8"))
    else:  # the supervised stage on the pairs' chosen replies
        rows = [{**{k: v for k, v in r.items() if k not in ("chosen", "rejected")}, "completion": r["chosen"]} for r in pairs]
        first = _supervised(replace(cfg, objective="sft"), start, resume, rows, callbacks)
        if first.get("interrupted"):
            return {**first, "stage": "sft"}
    summary = preference_train(cfg, pairs, out, start=start, resume=resume, callbacks=callbacks)
    return {**summary, "sft": {k: v for k, v in first.items() if k != "config"}}


def _supervised(cfg: FinetuneConfig, out: Path, resume: bool, dataset: list[dict] | None, callbacks: Sequence) -> dict:
    """The supervised stage (:func:`finetune` with ``objective`` "sft")."""
    from peft import get_peft_model
    from transformers import Trainer, TrainingArguments

    model, tok = load_model(cfg.model, quantize=cfg.quantize)
    limit = getattr(model.config, "max_position_embeddings", None)
    if limit and cfg.max_length > limit:
        raise ValueError(f"`max_length` {cfg.max_length} exceeds the model's context of {limit} tokens; lower it")
    rows = dataset if dataset is not None else build_dataset(cfg)
    feats = tokenize_examples(rows, tok, cfg.completion_only_loss)
    too_long = sum(len(f["input_ids"]) > cfg.max_length for f in feats)
    if too_long:
        raise ValueError(f"{too_long} of {len(rows)} examples are longer than `max_length` = {cfg.max_length} tokens and "
                         "would be truncated; raise max_length or use style = 'compact'")
    from transformers import set_seed

    set_seed(cfg.seed)  # the LoRA initialisation is random: seed it so runs (and resumed runs) are reproducible
    model = get_peft_model(model, lora_config(cfg, model))
    trainable, total = model.get_nb_trainable_parameters()
    args = TrainingArguments(**trainer_arguments(cfg, out / "checkpoints", learning_rate=cfg.learning_rate,
                                                 epochs=cfg.num_train_epochs), remove_unused_columns=False)
    trainer = Trainer(model=model, args=args, train_dataset=feats, data_collator=PadCollator(tok.pad_token_id),
                      callbacks=list(callbacks))
    return train_and_save(cfg, trainer, model, tok, out, examples=len(rows), parameters=(trainable, total), resume=resume)
