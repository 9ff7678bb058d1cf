"""Preference optimisation on minimal pairs: DPO (Rafailov et al. 2023) with TRL's ``DPOTrainer``, on QLoRA.

For a prompt x (context, banner, question), the chosen reply y_w (the decision the policy demands) and the rejected
reply y_l (the opposite decision: the value where a refusal is due, the refusal where the value is due), DPO
minimises

    L(θ) = −log σ(β · [(log π_θ(y_w|x) − log π_ref(y_w|x)) − (log π_θ(y_l|x) − log π_ref(y_l|x))]),

π_ref being the model the stage starts from: the base model (``objective = "preference"``) or the supervised
adapter (``"sft+preference"``; TRL keeps a frozen copy of it as a second adapter). A training query and its
minimal-pair twin share context and question and differ only in who asks, with opposite decisions, so the loss pushes
the margin between answering and refusing in opposite directions for the two: only the banner can move it both ways.
The supervised loss, by contrast, fits each reply on its own and leaves the answer/refuse margin to the training mix.

Why DPO among TRL's preference losses: the pairs are exact (one prompt, two replies that differ in the decision),
which is DPO's setting (KTO is for unpaired labels); DPO sits in TRL's stable API (ORPO, CPO/SimPO and KTO live in
``trl.experimental``); and its reference term keeps the policy near the model it starts from, which is what keeps
the capability tasks where they were. DPO alone may lower the chosen reply's likelihood together with the rejected
one's (both replies drift to text that is neither); ``preference_sft_weight`` λ adds the chosen reply's token-mean
negative log-likelihood, L + λ·NLL(y_w|x) (RPO, Pang et al. 2024), TRL's ``loss_type = ["sigmoid", "sft"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from empirical.model.adapters import cuda, lora_config, train_and_save, trainer_arguments
from empirical.model.loading import load_model

#: DPO losses of TRL's DPOTrainer offered by the recipe (sigmoid: DPO; ipo: Azar et al. 2023; hinge: SLiC)
PREFERENCE_LOSSES = ("sigmoid", "ipo", "hinge")


def pair_lengths(rows: list[dict], tok) -> list[int]:
    """The longer of each pair's two chat-templated conversations (prompt + chosen, prompt + rejected), in tokens."""
    out = []
    for r in rows:
        n = [len(tok.apply_chat_template(r["prompt"] + r[k], tokenize=True, return_dict=True)["input_ids"])
             for k in ("chosen", "rejected")]
        out.append(max(n))
    return out


def preference_train(cfg, rows: list[dict], out: Path, *, start: Path | None = None, resume: bool = True,
                     callbacks: Sequence = ()) -> dict:
    """Train a LoRA adapter with DPO on ``rows`` (:func:`empirical.model.sft.preference_example` rows) into ``out``,
    from a fresh adapter or from the adapter in ``start`` (also the reference); checkpoints go to
    ``out/checkpoints`` and training resumes from the last one. Returns the training summary (as
    :func:`empirical.model.finetune.finetune`, plus the DPO reward margins and accuracies logged); the adapter is
    written only at the end, all at once."""
    import torch
    from datasets import Dataset
    from peft import PeftModel, get_peft_model
    from transformers import set_seed
    from trl import DPOConfig, DPOTrainer

    model, tok = load_model(cfg.model, quantize=cfg.quantize)
    too_long = sum(n > cfg.max_length for n in pair_lengths(rows, tok))
    if too_long:
        raise ValueError(f"{too_long} of {len(rows)} preference pairs are longer than `max_length` = {cfg.max_length} "
                         "tokens and would be truncated; raise max_length or use style = 'compact'")
    set_seed(cfg.seed)
    if start is not None:
        model = PeftModel.from_pretrained(model, str(start), is_trainable=True)
    else:
        model = get_peft_model(model, lora_config(cfg, model))
    trainable, total = model.get_nb_trainable_parameters()
    args = DPOConfig(
        **trainer_arguments(cfg, out / "checkpoints", learning_rate=cfg.preference_learning_rate or cfg.learning_rate,
                            epochs=cfg.preference_epochs),
        beta=cfg.beta, loss_type=[cfg.preference_loss, *(["sft"] if cfg.preference_sft_weight else [])],
        loss_weights=[1.0, *([cfg.preference_sft_weight] if cfg.preference_sft_weight else [])],
        max_length=cfg.max_length, disable_dropout=True,
    )
    data = Dataset.from_list([{k: r[k] for k in ("prompt", "chosen", "rejected")} for r in rows])
    trainer = DPOTrainer(model=model, args=args, train_dataset=data, processing_class=tok, callbacks=list(callbacks))
    if not cuda():
        # TRL casts a quantised model's adapter to bf16 (the QLoRA paper's GPU advice); on a CPU that rounds away any
        # update below 2^-8 of a weight, so the adapter trains in fp32 as the supervised stage's does
        for p in model.parameters():
            if p.requires_grad and p.dtype == torch.bfloat16:
                p.data = p.data.float()
    return train_and_save(cfg, trainer, model, tok, out, examples=len(rows), parameters=(trainable, total), resume=resume,
                          curves={"margin_curve": "rewards/margins", "accuracy_curve": "rewards/accuracies"},
                          before_save=_drop_reference)


def _drop_reference(model) -> None:
    """TRL's frozen copy of the starting adapter (``ref``) is the reference, not the result: not saved."""
    if "ref" in model.peft_config:
        model.delete_adapter("ref")
