"""Characters <-> one-hot sequences. Index 0 is END: a text ends at its first END."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

END = 0


@dataclass
class CharSchema:
    """The character vocabulary, sequence length and categories of a text corpus."""

    chars: list[str]
    max_len: int  # positions per sequence: the longest text plus one END
    categories: list[str] = field(default_factory=list)
    category_freq: list[float] = field(default_factory=list)

    @property
    def vocab_size(self) -> int:
        return len(self.chars) + 1

    @classmethod
    def fit(cls, texts: list[str], categories: list[str] | None) -> "CharSchema":
        chars = sorted({c for t in texts for c in t})
        names, freq = [], []
        if categories:
            names = sorted(set(categories))
            freq = [categories.count(n) / len(categories) for n in names]
        return cls(chars, max(len(t) for t in texts) + 1, names, freq)

    def to_state(self) -> dict[str, Any]:
        return {"chars": list(self.chars), "max_len": self.max_len, "categories": list(self.categories),
                "category_freq": list(self.category_freq)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "CharSchema":
        return cls(list(state["chars"]), int(state["max_len"]), list(state["categories"]),
                   list(state["category_freq"]))

    def encode(self, texts: list[str]) -> torch.Tensor:
        """``(n, max_len)`` character indices, END-padded."""
        index = {c: i + 1 for i, c in enumerate(self.chars)}
        out = torch.full((len(texts), self.max_len), END, dtype=torch.long)
        for row, text in enumerate(texts):
            out[row, :len(text)] = torch.tensor([index[c] for c in text], dtype=torch.long)
        return out

    def one_hot(self, texts: list[str]) -> torch.Tensor:
        return torch.nn.functional.one_hot(self.encode(texts), self.vocab_size).float()

    def decode(self, sequences: torch.Tensor) -> list[str]:
        """One-hot / probability sequences ``(n, max_len, vocab)`` -> texts (up to the first END)."""
        out = []
        for row in sequences.argmax(-1).tolist():
            text = []
            for i in row:
                if i == END:
                    break
                text.append(self.chars[i - 1])
            out.append("".join(text))
        return out

    def category_index(self, names: list[str]) -> torch.Tensor:
        index = {n: i for i, n in enumerate(self.categories)}
        return torch.tensor([index[n] for n in names], dtype=torch.long)
