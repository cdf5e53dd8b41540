"""``MoleculeGAN``: the molecule domain as a scikit-learn style estimator.

    gan = MoleculeGAN(reward="qed").fit(smiles_or_mols)
    smiles = gan.generate(1000)          # valid canonical SMILES
"""
from __future__ import annotations

from typing import Any, Sequence

from genforge.errors import UserInputError


class MoleculeGAN:
    """Train MolGAN on your molecules (SMILES strings or RDKit ``Mol``), then generate.

    Parameters are stored as given (scikit-learn convention); ``model_options``
    are those of the ``molgan`` model (``genforge models molecule``); ``aromatic``
    and ``rings_first`` choose the graph form (:mod:`genforge_molecule.schema`,
    :func:`~genforge_molecule.loading.rings_first_order`).
    """

    def __init__(self, steps: int = 1500, batch_size: int = 64, reward: str = "none",
                 lambda_gan: float = 0.5, loss: str = "wgan-gp", seed: int = 0,
                 model_options: dict[str, Any] | None = None, aromatic: bool = False, rings_first: bool = False):
        self.steps, self.batch_size, self.reward, self.lambda_gan = steps, batch_size, reward, lambda_gan
        self.loss, self.seed, self.model_options = loss, seed, model_options
        self.aromatic, self.rings_first = aromatic, rings_first

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("steps", "batch_size", "reward", "lambda_gan", "loss",
                                              "seed", "model_options", "aromatic", "rings_first")}

    def set_params(self, **params: Any) -> "MoleculeGAN":
        for key, value in params.items():
            if key not in self.get_params():
                raise ValueError(f"MoleculeGAN has no parameter {key!r}")
            setattr(self, key, value)
        return self

    def fit(self, molecules: Sequence[Any]) -> "MoleculeGAN":
        from rdkit import Chem

        from genforge.training import make_config, train
        from genforge_molecule.corpus import split_corpus
        from genforge_molecule.domain import MoleculeTrainingData
        from genforge_molecule.loading import parse_molecules

        if isinstance(molecules, str):
            raise UserInputError("MoleculeGAN.fit takes a list of SMILES or RDKit molecules, not one string")
        records = [(f"item {k}", m if isinstance(m, str) else ("" if m is None else Chem.MolToSmiles(m)))
                   for k, m in enumerate(molecules)]
        corpus = split_corpus(parse_molecules(records, source="MoleculeGAN.fit", aromatic=bool(self.aromatic),
                                              rings_first=bool(self.rings_first)), "fit")
        self.report_ = corpus.train.report
        options = {"reward": self.reward, "lambda_gan": self.lambda_gan, **(self.model_options or {})}
        config = make_config("molecule", {"steps": self.steps, "batch_size": self.batch_size, "loss": self.loss,
                                          "seed": self.seed, "model_options": options})
        data = MoleculeTrainingData(corpus, self.seed)
        self.result_ = train(config, None, data=data, report=lambda line: None)
        return self

    def _trainer(self):
        if not hasattr(self, "result_"):
            raise UserInputError("MoleculeGAN: call fit(molecules) before generate()")
        return self.result_.trainer

    def sample(self, n: int, seed: int | None = None):
        """``n`` decoded samples (:class:`~genforge_molecule.samples.MoleculeSamples`, invalid ones included)."""
        return self._trainer().sample(n, seed=self.seed if seed is None else seed)

    def generate(self, n: int, seed: int | None = None) -> list[str]:
        """Valid canonical SMILES of ``n`` generated graphs (invalid graphs are left out)."""
        return self.sample(n, seed).valid
