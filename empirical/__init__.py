"""sensaware.empirical — the ACCESS DENIED INC benchmark, QLoRA fine-tuning and the leakage audit.

Builds on :mod:`theory`; heavy dependencies (torch, transformers, peft, bitsandbytes) are imported lazily.
"""

from empirical.model.threads import set_wait_policy

set_wait_policy()  # OpenMP reads its wait policy when torch loads: before any torch import (empirical.model.threads)
