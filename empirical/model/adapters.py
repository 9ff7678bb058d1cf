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


def trainer_arguments(cfg, ckpt_dir: Path, *, learning_rate: float, epochs: float) -> dict:
    """The keyword arguments of transformers' ``TrainingArguments`` (or TRL's subclasses) that every LoRA training of
    the recipe shares; the stage sets its learning rate and epochs."""
    return dict(output_dir=str(ckpt_dir), learning_rate=learning_rate, lr_scheduler_type=cfg.lr_scheduler_type,
                warmup_steps=cfg.warmup_steps, optim=optimizer_name(cfg), weight_decay=cfg.weight_decay,
                per_device_train_batch_size=cfg.per_device_train_batch_size,
                gradient_accumulation_steps=cfg.gradient_accumulation_steps, num_train_epochs=epochs,
                max_steps=cfg.max_steps, seed=cfg.seed, data_seed=cfg.seed, save_steps=cfg.save_steps, save_total_limit=2,
                logging_steps=cfg.logging_steps, report_to="none", use_cpu=not cuda(), bf16=cuda_bf16(),
                dataloader_num_workers=0, gradient_checkpointing=cfg.gradient_checkpointing)


def train_and_save(cfg, trainer, model, tok, out: Path, *, examples: int, parameters: tuple[int, int], resume: bool,
                   curves: dict[str, str] | None = None, before_save=None) -> dict:
    """Run ``trainer`` (from the last checkpoint in ``out/checkpoints`` when ``resume``) and write the adapter into
    ``out`` with :func:`save_adapter`; returns the training summary (``interrupted`` set, nothing written, when a
    callback stopped it early). ``curves``: summary key → logged metric, recorded per logging step beside the loss;
    ``before_save(model)`` runs just before the adapter is written."""
    last = last_checkpoint(out / "checkpoints") if resume else None
    result = trainer.train(resume_from_checkpoint=last)
    logs = [h for h in trainer.state.log_history if "loss" in h]
    summary = {"config": recipe(cfg), "examples": examples, "trainable_parameters": parameters[0],
               "total_parameters": parameters[1], "global_step": trainer.state.global_step,
               "world_size": trainer.args.world_size, "train_loss": result.training_loss,
               "loss_curve": [(h["step"], h["loss"]) for h in logs],
               **{k: [(h["step"], h.get(metric)) for h in logs] for k, metric in (curves or {}).items()},
               "resumed_from": str(last) if last else None}
    if trainer.state.global_step < trainer.state.max_steps:
        return {**summary, "interrupted": True}
    if not trainer.is_world_process_zero():
        return summary
    if before_save is not None:
        before_save(model)
    save_adapter(model, tok, summary, model_card(summary), out)
    return summary


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
