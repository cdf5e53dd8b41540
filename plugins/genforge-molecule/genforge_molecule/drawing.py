"""Pictures of samples: an RDKit grid of molecules and property histograms against the training set."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from rdkit import Chem
from rdkit.Chem import Draw


def molecule_grid(smiles: Sequence[str], path: Path, count: int = 24, per_row: int = 6) -> Path:
    mols = [Chem.MolFromSmiles(s) for s in list(dict.fromkeys(smiles))[:count]]
    mols = [m for m in mols if m is not None]
    image = Draw.MolsToGridImage(mols, molsPerRow=per_row, subImgSize=(200, 200),
                                 legends=[Chem.MolToSmiles(m) for m in mols], returnPNG=False)
    image.save(path)
    return Path(path)


def property_histograms(generated: dict[str, list[float]], reference: dict[str, list[float]], path: Path) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = list(generated)
    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3))
    for ax, name in zip(np.atleast_1d(axes), names):
        for label, values in (("training set", reference[name]), ("generated", generated[name])):
            data = [v for v in values if v == v]
            if data:
                ax.hist(data, bins=40, density=True, alpha=0.5, label=label)
        ax.set_title(name)
    np.atleast_1d(axes)[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)
