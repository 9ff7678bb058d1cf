"""Test helper: tiny models whose greedy answers depend on the prompt."""

from pathlib import Path


def scramble_weights(path: Path, scale: float = 0.3, seed: int = 0) -> Path:
    """Redraw the tiny model's matrices with a larger spread than the default init (std 0.02, which answers every
    prompt with newlines), so that comparisons of greedy answers have something to compare."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                p.copy_(torch.randn(p.shape, generator=g) * scale)
    model.save_pretrained(path)
    return path
