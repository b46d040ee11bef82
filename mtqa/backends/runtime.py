"""Where and how a runner runs: device, dtype and threads, and transformers kept quiet.

torch and transformers are imported inside the functions, through ``mtqa.extras.require``,
so a missing library is a skipped check naming the pip command.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mtqa.extras import require


def cpu_has_bf16() -> bool:
    """Whether the CPU has native bf16 instructions (AVX512-BF16 or AMX)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def quiet_transformers() -> None:
    """Checks never print: no download/loading progress bars or advice from transformers."""
    logging = require("transformers.utils.logging", "models")
    logging.set_verbosity_error()
    logging.disable_progress_bar()


def select_device(preference: str = "auto") -> str:
    torch = require("torch", "models")
    if preference != "auto":
        return preference
    return "cuda" if torch.cuda.is_available() else "cpu"


def select_dtype(preference: str, device: str) -> Any:
    """bf16 on CUDA and on CPUs with native bf16 (AVX512-BF16/AMX); float32 otherwise."""
    torch = require("torch", "models")
    if preference != "auto":
        return getattr(torch, preference)
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.bfloat16 if cpu_has_bf16() else torch.float32


def thread_count(setting: object) -> int:
    """``MTQA_THREADS``, else the ``threads`` setting; 0 leaves the library's own choice."""
    return int(os.environ.get("MTQA_THREADS", setting) or 0)


def set_threads(threads: int) -> None:
    """``threads`` (setting or ``MTQA_THREADS``) bounds torch's intra-op pool; 0 keeps torch's."""
    torch = require("torch", "models")
    threads = thread_count(threads)
    if threads > 0 and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
