"""GGUF (llama.cpp) causal LMs → bf16 safetensors, through transformers' own GGUF loader.

transformers reads GGUF with the ``gguf`` package and dequantises every tensor (30–40 s for
SmolLM2-135M's Q4_1 file on 2 cores), but a model loaded that way cannot ``save_pretrained``
itself, so its state dict is copied into a model built from its config and that one is saved.
The checkpoint loads in under a second afterwards; this runs once per ``mtqa models pull``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from mtqa.backends.convert import ConversionError
from mtqa.backends.runtime import quiet_transformers
from mtqa.extras import require


def architecture(fetched: Path) -> str:
    """The file's ``general.architecture`` (read from the header; the tensors stay on disk)."""
    gguf = require("gguf", "models")
    try:
        reader = gguf.GGUFReader(str(fetched))
        field = reader.fields["general.architecture"]
        return bytes(field.parts[field.data[0]]).decode("utf-8")
    except (KeyError, ValueError, IndexError, OSError) as exc:
        raise ConversionError(f"{fetched.name}: not a readable GGUF file ({exc})") from None


def convert(fetched: Path, out_dir: Path) -> None:
    """Write ``fetched``'s model as bf16 ``model.safetensors`` with its config and tokenizer."""
    torch = require("torch", "models")
    transformers = require("transformers", "models")
    require("accelerate", "models")  # transformers needs it to load (dequantise) a GGUF file
    gguf_utils = require("transformers.modeling_gguf_pytorch_utils", "models")
    arch = architecture(fetched)
    supported = gguf_utils.GGUF_SUPPORTED_ARCHITECTURES
    if arch not in supported:
        raise ConversionError(
            f"{fetched.name}: GGUF architecture {arch!r} is not supported "
            f"(transformers {transformers.__version__} reads {', '.join(sorted(supported))})"
        )
    quiet_transformers()
    folder, name = str(fetched.parent), fetched.name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            loaded = transformers.AutoModelForCausalLM.from_pretrained(folder, gguf_file=name)
            tokenizer = transformers.AutoTokenizer.from_pretrained(folder, gguf_file=name)
        except (ValueError, KeyError, OSError, RuntimeError) as exc:  # not a causal LM, a tensor type it cannot read
            raise ConversionError(f"{fetched.name}: transformers cannot load it as a causal LM: {exc}") from None
        config = loaded.config
        config.name_or_path = ""  # not the temporary folder it was read from
        if hasattr(config, "quantization_config"):  # else the checkpoint would load as GGUF-quantised again
            del config.quantization_config
        fresh = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
        fresh.load_state_dict(loaded.state_dict())
        fresh.save_pretrained(out_dir, safe_serialization=True)
        tokenizer.save_pretrained(out_dir)
