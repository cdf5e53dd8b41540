"""``TextGAN``: the text domain as a scikit-learn estimator (a thin :class:`genforge.GANEstimator`).

    gan = TextGAN(steps=2400).fit(["Anna", "Bruno", ...], categories=["female", "male", ...])
    gan.generate(10, category="female")
    gan.save("names.pt"); TextGAN.load("names.pt").generate(10)
"""
from __future__ import annotations

from typing import Any, Sequence

from genforge import DataReport, GANEstimator, UserInputError

from genforge_text.corpus import Corpus


class TextGAN(GANEstimator):
    """Character-level GAN for short texts (names, words), optionally conditioned on a category.

    ``model_options`` are those of the ``char-gru`` model (``genforge models text``).
    """

    domain = "text"

    def __init__(self, steps: int = 2400, batch_size: int = 128, max_length: int = 24, seed: int = 0,
                 model_options: dict[str, Any] | None = None):
        self.steps, self.batch_size, self.max_length = steps, batch_size, max_length
        self.seed, self.model_options = seed, model_options

    def fit(self, texts: Sequence[str], categories: Sequence[str] | None = None) -> "TextGAN":
        """Train on ``texts`` (``categories``: one per text, or ``None``)."""
        return super().fit(texts, categories)

    def _training_data(self, texts: Sequence[str], categories: Sequence[str] | None, registry: Any) -> Any:
        if isinstance(texts, str):
            raise UserInputError("TextGAN.fit takes a list of texts, not one string")
        texts = [str(t).strip() for t in texts]
        if categories is not None and len(categories) != len(texts):
            raise UserInputError(f"TextGAN.fit: {len(categories)} categories for {len(texts)} texts")
        report = DataReport(total=len(texts))
        keep = []
        for k, text in enumerate(texts):
            if not text:
                report.skip("blank text", f"item {k}")
            elif len(text) > self.max_length:
                report.skip(f"longer than max_length {self.max_length}", f"item {k}: {text[:30]!r}")
            else:
                keep.append(k)
        report.used = len(keep)
        cats = None if categories is None else [str(categories[k]) for k in keep]
        self.report_ = report
        return registry.domain("text").prepare(Corpus([texts[k] for k in keep], cats, report, "TextGAN.fit"),
                                               {}, self.seed)

    def _overrides(self, data: Any) -> dict[str, Any]:
        return {"steps": self.steps, "batch_size": self.batch_size, "seed": self.seed,
                "model_options": dict(self.model_options or {})}

    def generate(self, n: int, category: str | None = None, seed: int | None = None) -> list[str]:
        """``n`` generated texts (of ``category`` when given)."""
        return self.sample(n, {"category": category} if category is not None else None, seed)
