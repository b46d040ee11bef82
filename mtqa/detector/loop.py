"""The training loop both of mtqa's models use: steps, checkpoints, resume, dev figures per epoch.

A run folder gets ``train.log``, ``metrics.jsonl`` (dev figures at each epoch's end),
``checkpoint.pt`` (model, optimiser, scheduler and RNG, every ``checkpoint_every`` steps and at
each epoch's end; a rerun with the same folder resumes from it), ``epoch-N.pt`` (weights after
epoch N) and, with ``snapshot_every``, ``step-N.pt``. Batches come from ``batches(epoch)``,
which must depend only on the epoch, so a resumed run sees exactly the batches an
uninterrupted one would.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch


def log_line(out: Path, message: str) -> None:
    line = f"{time.strftime('%H:%M:%S')} {message}"
    print(line, file=sys.stderr, flush=True)
    with (out / "train.log").open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def warmup_schedule(total: int, warmup: float):  # noqa: ANN201 - the LambdaLR factor of a step
    """Linear warm-up over ``warmup`` of the steps, then linear decay to 0 at ``total``."""
    warm = max(1, int(total * warmup))
    return lambda step: min((step + 1) / warm, max(0.0, (total - step) / max(1, total - warm)))


@dataclass
class Loop:
    out: Path
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    epochs: int
    total: int  # steps in all (``max_steps`` may cut the epochs short)
    checkpoint_every: int
    snapshot_every: int = 0

    def run(
        self,
        settings: dict[str, Any],
        batches: Callable[[int], Sequence[Any]],
        loss_of: Callable[[Any], tuple[torch.Tensor, int]],
        evaluate: Callable[[], dict[str, Any]],
    ) -> Path:
        """Train (or resume) to the end; returns the last epoch's weights file.

        ``loss_of(batch)`` is the loss and its token count; ``evaluate()`` the dev figures
        (with an ``average`` entry), logged and written at each epoch's end.
        """
        from tqdm import tqdm

        state = self._resume(settings)
        last = self.out / f"epoch-{state['epoch']}.pt"
        while state["epoch"] < self.epochs and state["global_step"] < self.total:
            epoch = state["epoch"]
            epoch_batches = batches(epoch)
            self.model.train()
            started, tokens, running = time.time(), 0, 0.0
            bar = tqdm(total=len(epoch_batches), initial=state["step_in_epoch"], desc=f"epoch {epoch + 1}",
                       mininterval=1 if sys.stderr.isatty() else 60, file=sys.stderr)
            for batch in epoch_batches[state["step_in_epoch"] :]:
                loss, n_tokens = loss_of(batch)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                self.optimizer.step()
                self.scheduler.step()
                tokens += n_tokens
                running = 0.98 * running + 0.02 * loss.item() if running else loss.item()
                state["step_in_epoch"] += 1
                state["global_step"] += 1
                step = state["global_step"]
                bar.update(1)
                bar.set_postfix(loss=f"{running:.3f}", tok_s=f"{tokens / (time.time() - started):.0f}")
                if step % self.checkpoint_every == 0:
                    self._save(state)
                    log_line(self.out, f"step {step}/{self.total} loss {running:.4f} "
                                       f"{tokens / (time.time() - started):.0f} tokens/s")
                if self.snapshot_every and step % self.snapshot_every == 0:
                    torch.save(self.model.state_dict(), self.out / f"step-{step}.pt")
                if step >= self.total:
                    break
            bar.close()
            finished = state["step_in_epoch"] >= len(epoch_batches)
            figures = evaluate()
            log_line(self.out, f"epoch {epoch + 1} dev: {json.dumps(figures['average'])}")
            with (self.out / "metrics.jsonl").open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"epoch": epoch + 1, "step": state["global_step"], "dev": figures}) + "\n")
            last = self.out / f"epoch-{epoch + 1}.pt"
            torch.save(self.model.state_dict(), last)
            if finished:
                state = {"epoch": epoch + 1, "step_in_epoch": 0, "global_step": state["global_step"]}
            self._save(state)
        return last

    @property
    def _checkpoint(self) -> Path:
        return self.out / "checkpoint.pt"

    def _resume(self, settings: dict[str, Any]) -> dict[str, int]:
        if not self._checkpoint.exists():
            log_line(self.out, f"options {json.dumps(settings, default=str)}")
            return {"epoch": 0, "step_in_epoch": 0, "global_step": 0}
        device = next(self.model.parameters()).device
        saved = torch.load(self._checkpoint, weights_only=True, map_location=device)
        self.model.load_state_dict(saved["model"])
        self.optimizer.load_state_dict(saved["optimizer"])
        self.scheduler.load_state_dict(saved["scheduler"])
        torch.set_rng_state(saved["torch_rng"].cpu())
        log_line(self.out, f"resumed from {self._checkpoint} at {saved['state']}")
        return saved["state"]

    def _save(self, state: dict[str, int]) -> None:
        tmp = self._checkpoint.with_suffix(".tmp")
        torch.save({"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                    "scheduler": self.scheduler.state_dict(), "torch_rng": torch.get_rng_state(), "state": state}, tmp)
        os.replace(tmp, self._checkpoint)


def settings_of(options: Any) -> dict[str, Any]:  # noqa: ANN401 - a dataclass of training options
    """A run's options as the log line records them (paths as text; a ready model left out)."""
    from dataclasses import asdict

    return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items() if k != "model"}
