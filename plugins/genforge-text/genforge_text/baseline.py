"""A character n-gram language model: the peer the text GAN is benchmarked against."""
from __future__ import annotations

from collections import Counter, defaultdict

import torch

START, STOP = "\x02", "\x03"


class CharNGramModel:
    """Maximum-likelihood character n-gram model (``order`` 3: next char given the previous 2).

    ``fit(texts)`` counts, ``sample(n, rng)`` draws texts from a ``torch.Generator``.
    Contexts met while sampling were all seen in training, so no smoothing is needed.
    """

    def __init__(self, order: int = 3, max_len: int = 24):
        self.order, self.max_len = order, max_len

    def fit(self, texts: list[str]) -> "CharNGramModel":
        counts: dict[str, Counter] = defaultdict(Counter)
        k = self.order - 1
        for text in texts:
            marked = START * k + text + STOP
            for i in range(k, len(marked)):
                counts[marked[i - k:i]][marked[i]] += 1
        self.table_ = {ctx: (list(c), torch.tensor(list(c.values()), dtype=torch.float))
                       for ctx, c in counts.items()}
        return self

    def sample(self, n: int, rng: torch.Generator) -> list[str]:
        k, out = self.order - 1, []
        for _ in range(n):
            text = START * k
            while len(text) - k < self.max_len:
                chars, weights = self.table_[text[len(text) - k:]]
                char = chars[int(torch.multinomial(weights, 1, generator=rng))]
                if char == STOP:
                    break
                text += char
            out.append(text[k:])
        return out
