"""SELFIES tokens (Krenn et al. 2020): every token string decodes to a valid molecule.

The autoencoder of the latent GAN (:mod:`genforge_molecule.latentgan`) reads and
writes molecules as SELFIES token ids. SELFIES' derivation rules enforce valence
while a string is decoded, so whatever the decoder network emits is a valid
molecule *by construction*: that rule is part of the generation step (a mask in
the grammar, not a repair afterwards). The only strings that give no molecule are
those without an atom before the end (counted as invalid, reason :data:`EMPTY`);
the decoder's one mask, on its first token (:meth:`SelfiesVocabulary.atom_tokens`),
rules them out.

Ids: 0 padding, 1 start, 2 end, then the data's tokens by frequency.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

PAD, START, END = 0, 1, 2
SPECIALS = ("<pad>", "<start>", "<end>")
EMPTY = "empty molecule (the end token came first)"
RDKIT_REJECTED = "RDKit rejects the decoded SMILES"


def to_selfies(smiles: Sequence[str]) -> list[list[str] | None]:
    """SELFIES tokens of each SMILES (``None`` where SELFIES cannot encode it)."""
    import selfies

    out: list[list[str] | None] = []
    for s in smiles:
        try:
            out.append(list(selfies.split_selfies(selfies.encoder(s))))
        except selfies.EncoderError:
            out.append(None)
    return out


@dataclass
class SelfiesVocabulary:
    """The token alphabet and the longest token string the decoder writes."""

    tokens: list[str]
    max_length: int

    @classmethod
    def from_tokens(cls, token_lists: Sequence[Sequence[str]]) -> "SelfiesVocabulary":
        counts = Counter(t for tokens in token_lists for t in tokens)
        ordered = [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        return cls(list(SPECIALS) + ordered, max(len(t) for t in token_lists) + 1)

    @property
    def size(self) -> int:
        return len(self.tokens)

    def atom_tokens(self) -> list[bool]:
        """Which tokens place an atom (not a special, branch or ring token): the tokens a
        string may start with, so that it decodes to a non-empty molecule."""
        return [k > END and not any(w in t for w in ("Branch", "Ring")) for k, t in enumerate(self.tokens)]

    def encode(self, token_lists: Sequence[Sequence[str]]) -> np.ndarray:
        """Ids ``[M, max_length]``: tokens, then the end token, then padding (tokens the
        vocabulary lacks raise ``KeyError``; strings too long are cut before the end token)."""
        index = {t: k for k, t in enumerate(self.tokens)}
        ids = np.zeros((len(token_lists), self.max_length), dtype=np.int64)
        for row, tokens in enumerate(token_lists):
            body = [index[t] for t in tokens][: self.max_length - 1]
            ids[row, :len(body)] = body
            ids[row, len(body)] = END
        return ids

    def decode(self, ids: np.ndarray) -> list[tuple[str | None, str]]:
        """``(canonical SMILES or None, reason)`` for each row of token ids (up to the first
        end or padding token). Reason is ``""`` for a valid molecule. SELFIES are derived by
        :func:`~genforge_molecule.selfies_derivation.compiled_writer` (``selfies.decoder``'s
        rules) when it handles the vocabulary, else by ``selfies.decoder``."""
        import selfies
        from rdkit import Chem
        from genforge_molecule.selfies_derivation import compiled_writer

        writer = compiled_writer(tuple(self.tokens), len(SPECIALS))
        if writer is None:
            writer = lambda body: selfies.decoder("".join(self.tokens[k] for k in body))  # noqa: E731
        out: list[tuple[str | None, str]] = []
        for body in np.asarray(ids).tolist():
            stop = next((k for k, t in enumerate(body) if t <= END), len(body))
            body = body[:stop]
            if not body:
                out.append((None, EMPTY))
                continue
            smiles = writer(body)
            mol = Chem.MolFromSmiles(smiles) if smiles else None
            if mol is None or mol.GetNumAtoms() == 0:
                out.append((None, EMPTY if not smiles else RDKIT_REJECTED))
            else:
                out.append((Chem.MolToSmiles(mol), ""))
        return out

    def to_state(self) -> dict[str, Any]:
        return {"tokens": list(self.tokens), "max_length": int(self.max_length)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "SelfiesVocabulary":
        return cls(list(state["tokens"]), int(state["max_length"]))
