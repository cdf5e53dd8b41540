"""genforge's molecule domain: MolGAN-class graph generation with torch-geometric and RDKit."""
from __future__ import annotations

__all__ = ["MoleculeGAN"]


def __getattr__(name):
    if name == "MoleculeGAN":
        from genforge_molecule.api import MoleculeGAN
        return MoleculeGAN
    raise AttributeError(name)
