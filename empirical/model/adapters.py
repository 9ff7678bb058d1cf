"""What every LoRA training of the package shares: the adapter's placement (peft's LoraConfig), the device's
optimiser, and writing an adapter with its summary and model card all at once."""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

from empirical.model.loading import ModelError


def optimizer_name(cfg) -> str:
    import torch

    if cfg.optim != "auto":
        if "bnb" in cfg.optim and not torch.cuda.is_available():
            raise ValueError(f"`optim` {cfg.optim!r} needs a CUDA GPU (bitsandbytes 8-bit optimisers); use adamw_torch on CPU")
        return cfg.optim
    return "adamw_bnb_8bit" if torch.cuda.is_available() else "adamw_torch"


def lora_config(cfg, model=None):
    """peft's LoraConfig of the recipe; with ``lora_layers`` N > 0 on the last N of ``model``'s layers only."""
    from peft import LoraConfig

    layers = None
    if cfg.lora_layers:
        total = model.config.num_hidden_layers
        if cfg.lora_layers > total:
            raise ValueError(f"`lora_layers` must be at most the model's {total} layers. Found {cfg.lora_layers}.")
        layers = list(range(total - cfg.lora_layers, total))
    return LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout, bias="none",
                      target_modules=list(cfg.target_modules), task_type="CAUSAL_LM", layers_to_transform=layers)


def save_adapter(model, tok, summary: dict, card: str, out: Path) -> None:
    """Write the adapter, its tokenizer, ``sensaware_finetune.json`` and the model card into ``out`` all at once:
    everything goes to a temporary folder beside it first and is then moved in, so an interrupted run leaves no
    partial adapter."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".adapter-", dir=out))
    try:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        (tmp / "sensaware_finetune.json").write_text(json.dumps(summary, indent=2))
        (tmp / "README.md").write_text(card)
        for f in tmp.iterdir():
            os.replace(f, out / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def model_card(summary: dict) -> str:
    """A model card recording the recipe, the data seeds and the training summary."""
    cfg = summary["config"]
    lines = ["---", "library_name: peft", f"base_model: {cfg['model']}", "tags: [sensaware, sensitivity-awareness, qlora]",
             "---", "", "# Sensitivity-awareness LoRA adapter (sensaware)", "",
             f"Trained with `sensaware finetune` on ACCESS DENIED INC: company seed {cfg['company_seed']}, questionnaire "
             f"seeds {list(cfg['questionnaire_seeds'])}, style {cfg['style']}, {summary['examples']} examples, "
             f"{summary['global_step']} optimiser steps, objective {cfg.get('objective', 'sft')}, " + (
                 f"final training loss {summary['train_loss']:.4f}." if not math.isnan(summary["train_loss"])
                 else "no training loss recorded (a statistic of private batches is not differentially private)."), "",
             f"Trainable parameters: {summary['trainable_parameters']:,} of {summary['total_parameters']:,}.", "",
             "## Configuration", "", "```json", json.dumps(cfg, indent=2), "```"]
    return "\n".join(lines) + "\n"


def recipe(cfg) -> dict:
    """The recipe as plain JSON values (tuples as lists), as stored in an adapter's ``sensaware_finetune.json``."""
    return json.loads(json.dumps(asdict(cfg)))


def cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def cuda_bf16() -> bool:
    import torch

    return torch.cuda.is_available() and torch.cuda.is_bf16_supported()


def last_checkpoint(ckpt_dir: Path) -> str | None:
    if not ckpt_dir.is_dir():
        return None
    from transformers.trainer_utils import get_last_checkpoint

    last = get_last_checkpoint(str(ckpt_dir))
    if last and not (Path(last) / "trainer_state.json").is_file():
        raise ModelError(f"checkpoint {last} is corrupt (no trainer_state.json); delete it to restart from the previous one")
    return last
