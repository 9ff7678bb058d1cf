"""sensaware.empirical — the ACCESS DENIED INC benchmark, QLoRA fine-tuning and the leakage audit.

Builds on :mod:`theory`; heavy dependencies (torch, transformers, peft, bitsandbytes) are imported lazily.
"""
