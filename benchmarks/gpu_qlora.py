"""GPU QLoRA benchmark (run on a CUDA machine, < 8 minutes): a randomly initialised model with the Qwen3-8B
configuration in 4-bit NF4, LoRA r 32 on the seven projections, training at sequence length 3048 and batch 2.
Prints tokens/s and peak GPU memory (target < 16 GB). With ``--dp`` it then measures, in the same run and on the
same model, a DP-SGD step (Opacus per-example gradients, clipping, noise: ``empirical.model.dp.private_gradient``)
against a plain step, both without gradient checkpointing at ``--dp-seq`` tokens, and prints their ratio.

    python benchmarks/gpu_qlora.py [--steps 6] [--seq 3048] [--batch 2] [--dp] [--dp-seq 512]
    python benchmarks/gpu_qlora.py --smoke --dp   # the code path on a CPU with a two-layer model, seconds
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig, Qwen3Config

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--seq", type=int, default=3048)
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--dp", action="store_true", help="also time a DP-SGD step against a plain step (ratio)")
    p.add_argument("--dp-seq", type=int, default=512, help="sequence length of the DP comparison (default 512)")
    p.add_argument("--smoke", action="store_true", help="a two-layer model on the CPU: checks the code path only")
    args = p.parse_args()
    if not args.smoke and not torch.cuda.is_available():
        raise SystemExit("gpu_qlora.py needs a CUDA GPU; on CPU use `python benchmarks/run.py --only qlora` "
                         "(or --smoke to check this script's code path)")
    t0 = time.perf_counter()
    if args.smoke:
        cfg = Qwen3Config(vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                          num_key_value_heads=2, head_dim=16, max_position_embeddings=4096, tie_word_embeddings=False)
        model = AutoModelForCausalLM.from_config(cfg)
        args.seq, args.dp_seq, args.steps = min(args.seq, 64), min(args.dp_seq, 64), min(args.steps, 3)
    else:
        # Qwen3-8B architecture (config.json of Qwen/Qwen3-8B), random weights: no download needed
        cfg = Qwen3Config(vocab_size=151936, hidden_size=4096, intermediate_size=12288, num_hidden_layers=36,
                          num_attention_heads=32, num_key_value_heads=8, head_dim=128, max_position_embeddings=40960,
                          rope_theta=1_000_000, rms_norm_eps=1e-6, tie_word_embeddings=False)
        bnb = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                                 bnb_4bit_compute_dtype=torch.bfloat16)
        model = AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16)
        model.save_pretrained("/tmp/qwen3-8b-random", max_shard_size="20GB")
        del model
        model = AutoModelForCausalLM.from_pretrained("/tmp/qwen3-8b-random", quantization_config=bnb, device_map={"": 0},
                                                     dtype=torch.bfloat16)
    device = "cpu" if args.smoke else "cuda"
    model.gradient_checkpointing_enable()
    model.enable_input_require_grads()
    model = get_peft_model(model, LoraConfig(r=32, lora_alpha=32, lora_dropout=0.0, bias="none", task_type="CAUSAL_LM",
                                             target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                                                             "up_proj", "down_proj"]))
    print(f"setup {time.perf_counter() - t0:.0f}s; trainable {model.get_nb_trainable_parameters()}")
    opt = torch.optim.AdamW([q for q in model.parameters() if q.requires_grad], lr=2e-5)
    ids = torch.randint(0, cfg.vocab_size, (args.batch, args.seq), device=device)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()

    def sync():
        if device == "cuda":
            torch.cuda.synchronize()

    def plain_step(x):
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss

    times = []
    for step in range(args.steps):
        sync()
        t = time.perf_counter()
        loss = plain_step(ids)
        sync()
        times.append(time.perf_counter() - t)
        print(f"step {step}: {times[-1]:.2f}s loss {loss.item():.3f}", flush=True)
    steady = times[1:] or times
    tok_s = args.batch * args.seq / (sum(steady) / len(steady))
    if device == "cuda":
        peak = torch.cuda.max_memory_allocated() / 2**30
        print(f"tokens/s {tok_s:,.0f}; peak memory {peak:.2f} GiB (target < 16 GB: {'PASS' if peak * 2**30 < 16e9 else 'MISS'})")
    if args.dp:
        dp_ratio(model, opt, cfg.vocab_size, args, device, plain_step, sync)


def dp_ratio(model, opt, vocab: int, args, device: str, plain_step, sync) -> None:
    """Plain and DP-SGD steps alternated on the same model and batch (no gradient checkpointing: Opacus' hooks need
    each layer's forward once), their median times and ratio."""
    import statistics

    import torch

    from empirical.model.dp import private_gradient, wrap

    model.gradient_checkpointing_disable()
    x = torch.randint(0, vocab, (args.batch, args.dp_seq), device=device)
    batch = {"input_ids": x, "labels": x.clone(), "attention_mask": torch.ones_like(x)}
    gsm = wrap(model)
    params = [q for q in model.parameters() if q.requires_grad]
    plain, private = [], []
    for _ in range(max(2, args.steps)):
        sync()
        t = time.perf_counter()
        plain_step(x)
        sync()
        plain.append(time.perf_counter() - t)
        t = time.perf_counter()
        private_gradient(gsm, params, batch, max_grad_norm=1.0, noise_multiplier=1.0, expected_batch_size=args.batch)
        opt.step()
        opt.zero_grad(set_to_none=True)
        sync()
        private.append(time.perf_counter() - t)
    a, b = statistics.median(plain[1:]), statistics.median(private[1:])
    print(f"DP step {b:.3f}s vs plain step {a:.3f}s at batch {args.batch} x {args.dp_seq} tokens: ratio {b / a:.2f}")


if __name__ == "__main__":
    main()
