"""GPU QLoRA benchmark (run on a CUDA machine, < 8 minutes): a randomly initialised model with the Qwen3-8B
configuration in 4-bit NF4, LoRA r 32 on the seven projections, training at sequence length 3048 and batch 2.
Prints tokens/s and peak GPU memory (target < 16 GB).

    python benchmarks/gpu_qlora.py [--steps 6] [--seq 3048] [--batch 2]
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
    args = p.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("gpu_qlora.py needs a CUDA GPU; on CPU use `python benchmarks/run.py --only qlora`")
    # Qwen3-8B architecture (config.json of Qwen/Qwen3-8B), random weights: no download needed
    cfg = Qwen3Config(vocab_size=151936, hidden_size=4096, intermediate_size=12288, num_hidden_layers=36,
                      num_attention_heads=32, num_key_value_heads=8, head_dim=128, max_position_embeddings=40960,
                      rope_theta=1_000_000, rms_norm_eps=1e-6, tie_word_embeddings=False)
    bnb = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                             bnb_4bit_compute_dtype=torch.bfloat16)
    t0 = time.perf_counter()
    model = AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16)
    model.save_pretrained("/tmp/qwen3-8b-random", max_shard_size="20GB")
    del model
    model = AutoModelForCausalLM.from_pretrained("/tmp/qwen3-8b-random", quantization_config=bnb, device_map={"": 0},
                                                 dtype=torch.bfloat16)
    model.gradient_checkpointing_enable()
    model.enable_input_require_grads()
    model = get_peft_model(model, LoraConfig(r=32, lora_alpha=32, lora_dropout=0.0, bias="none", task_type="CAUSAL_LM",
                                             target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                                                             "up_proj", "down_proj"]))
    print(f"setup {time.perf_counter() - t0:.0f}s; trainable {model.get_nb_trainable_parameters()}")
    opt = torch.optim.AdamW([q for q in model.parameters() if q.requires_grad], lr=2e-5)
    ids = torch.randint(0, cfg.vocab_size, (args.batch, args.seq), device="cuda")
    torch.cuda.reset_peak_memory_stats()
    times = []
    for step in range(args.steps):
        torch.cuda.synchronize()
        t = time.perf_counter()
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
        print(f"step {step}: {times[-1]:.2f}s loss {loss.item():.3f}", flush=True)
    steady = times[1:] or times
    tok_s = args.batch * args.seq / (sum(steady) / len(steady))
    peak = torch.cuda.max_memory_allocated() / 2**30
    print(f"tokens/s {tok_s:,.0f}; peak memory {peak:.2f} GiB (target < 16 GB: {'PASS' if peak * 2**30 < 16e9 else 'MISS'})")


if __name__ == "__main__":
    main()
