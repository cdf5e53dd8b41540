"""``MoleculeGAN``: the molecule domain as a scikit-learn estimator (a thin :class:`genforge.GANEstimator`).

    gan = MoleculeGAN(reward="qed").fit(smiles_or_mols)
    smiles = gan.generate(1000)          # valid canonical SMILES
    gan.save("mols.pt"); MoleculeGAN.load("mols.pt").generate(10)
"""
from __future__ import annotations

from typing import Any, Sequence

from genforge import GANEstimator, UserInputError


class MoleculeGAN(GANEstimator):
    """Train MolGAN on your molecules (SMILES strings or RDKit ``Mol``), then generate.

    Parameters are stored as given (scikit-learn convention); ``model_options``
    are those of the ``molgan`` model (``genforge models molecule``); ``aromatic``
    and ``rings_first`` choose the graph form (:mod:`genforge_molecule.schema`,
    :func:`~genforge_molecule.loading.rings_first_order`); ``evaluate=True`` computes the
    metrics after training.
    """

    domain = "molecule"

    def __init__(self, steps: int = 1500, batch_size: int = 64, reward: str = "none",
                 lambda_gan: float = 0.5, loss: str = "wgan-gp", seed: int = 0,
                 model_options: dict[str, Any] | None = None, aromatic: bool = False, rings_first: bool = False,
                 evaluate: bool = False):
        self.steps, self.batch_size, self.reward, self.lambda_gan = steps, batch_size, reward, lambda_gan
        self.loss, self.seed, self.model_options = loss, seed, model_options
        self.aromatic, self.rings_first, self.evaluate = aromatic, rings_first, evaluate

    def _training_data(self, molecules: Sequence[Any], y: Any, registry: Any) -> Any:
        from rdkit import Chem

        from genforge_molecule.corpus import split_corpus
        from genforge_molecule.loading import parse_molecules

        if isinstance(molecules, str):
            raise UserInputError("MoleculeGAN.fit takes a list of SMILES or RDKit molecules, not one string")
        records = [(f"item {k}", m if isinstance(m, str) else ("" if m is None else Chem.MolToSmiles(m)))
                   for k, m in enumerate(molecules)]
        corpus = split_corpus(parse_molecules(records, source="MoleculeGAN.fit", aromatic=bool(self.aromatic),
                                              rings_first=bool(self.rings_first)), "fit")
        self.report_ = corpus.train.report
        return registry.domain("molecule").prepare(corpus, {}, self.seed)

    def _overrides(self, data: Any) -> dict[str, Any]:
        options = {"reward": self.reward, "lambda_gan": self.lambda_gan, **(self.model_options or {})}
        return {"steps": self.steps, "batch_size": self.batch_size, "loss": self.loss, "seed": self.seed,
                "model_options": options}

    def sample(self, n: int, conditions: dict[str, Any] | None = None, seed: int | None = None):
        """``n`` decoded samples (:class:`~genforge_molecule.samples.MoleculeSamples`, invalid ones included)."""
        return super().sample(n, conditions, seed)

    def generate(self, n: int, seed: int | None = None) -> list[str]:
        """Valid canonical SMILES of ``n`` generated graphs (invalid graphs are left out)."""
        return self.sample(n, seed=seed).valid
