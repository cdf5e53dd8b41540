"""A molecule autoencoder over SELFIES tokens: the latent space the latent GAN learns.

Encoder: token embeddings -> GRU -> last hidden state -> linear -> tanh, a code in
[-1, 1]^L. Decoder: the code sets the GRU's first hidden state and is fed again
with every token (so long strings keep it in view); greedy decoding (argmax per
step) makes a code's molecule a function of the code. Because the decoder writes
SELFIES, every string it writes is a valid molecule (see
:mod:`genforge_molecule.selfies_vocabulary`).

:class:`LatentCodec` is what a trained run keeps: vocabulary, sizes and weights
as plain values and tensors (weights-only checkpoints).
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from genforge_molecule.selfies_vocabulary import END, PAD, START, SelfiesVocabulary

CODEC_DEFAULTS: dict[str, Any] = {"code_dim": 64, "hidden": 128, "embedding": 32}
#: rows per block of one decoding step (its gates, [STEP_BLOCK, 3 hidden], stay in the cache)
STEP_BLOCK = 1024
#: the dtypes of the hidden-state projection while decoding
PRECISIONS = {"fp32": torch.float32, "bf16": torch.bfloat16}


class SelfiesAutoencoder(nn.Module):
    def __init__(self, vocab_size: int, code_dim: int, hidden: int, embedding: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embedding, padding_idx=PAD)
        self.encoder = nn.GRU(embedding, hidden, batch_first=True)
        self.to_code = nn.Linear(hidden, code_dim)
        self.from_code = nn.Linear(code_dim, hidden)
        self.decoder = nn.GRU(embedding + code_dim, hidden, batch_first=True)
        self.to_token = nn.Linear(hidden, vocab_size)

    def encode(self, ids: torch.Tensor) -> torch.Tensor:
        """Token ids ``[M, T]`` (end token, then padding) -> codes ``[M, L]`` in [-1, 1]."""
        lengths = (ids != PAD).sum(1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(ids), lengths, batch_first=True,
                                                   enforce_sorted=False)
        _, last = self.encoder(packed)
        return torch.tanh(self.to_code(last[-1]))

    def reconstruction_logits(self, code: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        """Teacher-forced logits ``[M, T, V]`` of ``ids`` given ``code``."""
        start = torch.full_like(ids[:, :1], START)
        inputs = self.embed(torch.cat([start, ids[:, :-1]], 1))
        steps = torch.cat([inputs, code[:, None, :].expand(-1, ids.shape[1], -1)], -1)
        out, _ = self.decoder(steps, torch.tanh(self.from_code(code))[None])
        return self.to_token(out)

    def loss(self, ids: torch.Tensor, code_noise: float = 0.0) -> tuple[torch.Tensor, float]:
        """Cross-entropy of the reconstruction (padding ignored) and the token accuracy.
        ``code_noise``: Gaussian noise on the code while training, for a smooth latent space."""
        code = self.encode(ids)
        if code_noise > 0:
            code = code + code_noise * torch.randn_like(code)
        logits = self.reconstruction_logits(code, ids)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids.reshape(-1), ignore_index=PAD)
        mask = ids != PAD
        accuracy = (logits.argmax(-1) == ids)[mask].float().mean().item()
        return loss, accuracy

    @torch.no_grad()
    def greedy_decode(self, code: torch.Tensor, max_length: int, first: torch.Tensor | None = None) -> torch.Tensor:
        """Token ids ``[M, max_length]`` of the most likely token at each step (end, then padding)."""
        return self.decode(code, max_length, None, first)

    @torch.inference_mode()
    def decode(self, code: torch.Tensor, max_length: int, rng: torch.Generator | None,
               first: torch.Tensor | None = None, temperature: float = 1.0,
               precision: str = "fp32") -> torch.Tensor:
        """Token ids ``[M, max_length]`` (end, then padding): each token drawn from the decoder's
        distribution at ``temperature`` with ``rng`` (Gumbel-max), or the most likely one when
        ``rng`` is None.
        ``first``: the tokens allowed first (bool ``[V]``; default: any but the special ones).

        The GRU cell is unrolled by hand for speed: the input projection of every token and of
        the code is computed once, finished strings leave the batch (only live rows cost), and
        each step runs over blocks of :data:`STEP_BLOCK` rows so that its intermediates stay in
        the CPU cache (the noise of a step is still drawn for all live rows at once, so the
        tokens are those of one whole-batch step). ``precision="bf16"``: the hidden-state
        projection (most of the FLOPs) in bfloat16 with the state kept in float32 - 1.3-1.7x
        faster on CPUs with native bf16, other samples (see the plugin README)."""
        gru, out_layer = self.decoder, self.to_token
        e, hidden = self.embed.embedding_dim, gru.hidden_size
        w_ih, w_hh = gru.weight_ih_l0, gru.weight_hh_l0
        token_in = self.embed.weight @ w_ih[:, :e].T  # [V, 3H]: every token's input projection
        code_in = torch.addmm(gru.bias_ih_l0, code, w_ih[:, e:].T)  # [M, 3H], fixed over the steps
        w_hh_t, b_hh, w_out_t = w_hh.T.contiguous(), gru.bias_hh_l0, out_layer.weight.T.contiguous()
        if precision not in PRECISIONS:
            raise ValueError(f"decoding precision {precision!r}: choose one of {', '.join(PRECISIONS)}")
        w_hh_t, b_hh = w_hh_t.to(PRECISIONS[precision]), b_hh.to(PRECISIONS[precision])
        n = code.shape[0]
        h = torch.tanh(self.from_code(code))
        allowed_first = torch.arange(self.embed.num_embeddings, device=code.device) > END
        if first is not None:
            allowed_first = first.to(code.device)
        token = torch.full((n,), START, dtype=torch.long, device=code.device)
        live = torch.arange(n, device=code.device)
        ids = torch.zeros(n, max_length, dtype=torch.long, device=code.device)
        for t in range(max_length):
            m = len(live)
            noise = None
            if rng is not None:
                noise = torch.rand((m, out_layer.out_features), generator=rng).clamp_(1e-20, 1.0).to(code.device)
            new_h, new_token = torch.empty_like(h), torch.empty_like(token)
            for lo in range(0, m, STEP_BLOCK):
                hi = min(lo + STEP_BLOCK, m)
                inputs = token_in[token[lo:hi]].add_(code_in[lo:hi])  # i_r, i_z, i_n
                hidden_in = torch.addmm(b_hh, h[lo:hi].to(w_hh_t.dtype), w_hh_t).float()  # h_r, h_z, h_n
                gates = inputs[:, :2 * hidden].add_(hidden_in[:, :2 * hidden]).sigmoid_()  # r, z
                cand = hidden_in[:, 2 * hidden:].mul_(gates[:, :hidden]).add_(inputs[:, 2 * hidden:]).tanh_()
                h_next = torch.sub(h[lo:hi], cand, out=new_h[lo:hi]).mul_(gates[:, hidden:]).add_(cand)
                logits = torch.addmm(out_layer.bias, h_next, w_out_t)
                if t == 0:  # the generation step's only mask: an atom first (no empty molecule)
                    logits.masked_fill_(~allowed_first, -math.inf)
                if noise is not None:
                    logits = logits.div_(temperature).sub_(noise[lo:hi].log_().neg_().log_())
                new_token[lo:hi] = logits.argmax(-1)
            h, token = new_h, new_token
            ids[live, t] = token
            going = token != END
            if not bool(going.all()):
                live, token, h, code_in = live[going], token[going], h[going], code_in[going]
                if len(live) == 0:
                    break
        return ids


@dataclass
class LatentCodec:
    """Vocabulary + autoencoder: SMILES -> codes -> SMILES."""

    vocabulary: SelfiesVocabulary
    options: dict[str, Any]
    weights: dict[str, torch.Tensor] = field(default_factory=dict)
    #: how the pretraining went (steps, time, reconstruction), for the README and reports
    summary: dict[str, float] = field(default_factory=dict)

    #: draw each token from the decoder (True) or take the most likely one
    sample: bool = True
    #: the sampling temperature (below 1: sharper than the decoder's distribution)
    temperature: float = 1.0
    #: the hidden-state projection's dtype while decoding (:data:`PRECISIONS`)
    precision: str = "fp32"

    def __post_init__(self) -> None:
        o = {**CODEC_DEFAULTS, **self.options}
        self.options = {k: int(o[k]) for k in CODEC_DEFAULTS}
        self.network = SelfiesAutoencoder(self.vocabulary.size, **self.options)
        if self.weights:
            self.network.load_state_dict(self.weights)
        self.network.eval()

    @property
    def code_dim(self) -> int:
        return self.options["code_dim"]

    def keep_weights(self) -> None:
        self.weights = {k: v.detach().clone() for k, v in self.network.state_dict().items()}

    @torch.no_grad()
    def encode_ids(self, ids: np.ndarray, batch: int = 2048) -> torch.Tensor:
        device = next(self.network.parameters()).device
        parts = [self.network.encode(torch.from_numpy(ids[lo:lo + batch]).to(device)).cpu()
                 for lo in range(0, len(ids), batch)]
        return torch.cat(parts) if parts else torch.zeros(0, self.code_dim)

    def decode_ids(self, codes: torch.Tensor, batch: int = 16384) -> np.ndarray:
        """Token ids of each code (the network on the codes' device). With option ``sample``
        (the default) tokens are drawn, from a generator seeded by the codes themselves, so
        the same codes give the same molecules; else greedy."""
        device = codes.device
        self.network.to(device)
        parts = []
        first = torch.tensor(self.vocabulary.atom_tokens())
        for lo in range(0, len(codes), batch):
            part = codes[lo:lo + batch]
            rng = None
            if self.sample:
                digest = hashlib.blake2b(part.detach().cpu().numpy().tobytes(), digest_size=8).digest()
                rng = torch.Generator().manual_seed(int.from_bytes(digest, "little") % 2**62)
            parts.append(self.network.decode(part, self.vocabulary.max_length, rng, first,
                                             self.temperature, self.precision).cpu().numpy())
        return np.concatenate(parts) if parts else np.zeros((0, self.vocabulary.max_length), dtype=np.int64)

    def to_state(self) -> dict[str, Any]:
        return {"vocabulary": self.vocabulary.to_state(), "options": dict(self.options),
                "weights": dict(self.weights), "summary": dict(self.summary), "sample": bool(self.sample)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "LatentCodec":
        return cls(SelfiesVocabulary.from_state(state["vocabulary"]), dict(state["options"]),
                   dict(state["weights"]), dict(state.get("summary") or {}), bool(state.get("sample", True)))


def decode_rows(ids: Sequence[np.ndarray], vocabulary: SelfiesVocabulary) -> list[tuple[str | None, str]]:
    """:meth:`SelfiesVocabulary.decode` for :func:`~genforge_molecule.worker_pool.map_slices`."""
    return vocabulary.decode(np.asarray(ids))
