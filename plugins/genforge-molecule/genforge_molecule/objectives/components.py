"""Scoring components: one property of a molecule, and its desirability in [0, 1].

Each :class:`Component` computes a raw value per RDKit molecule (``compute``) and maps
it through a desirability transform. Kinds (:data:`KINDS`): ``qed``, ``sa``, ``logp``,
``mw``, ``tpsa``, ``hbd``, ``hba``, ``rotatable`` (property windows ``low``/``high``
with ``width``), ``similarity`` (Morgan Tanimoto to ``queries``, the best one),
``smarts`` (``required`` / ``forbidden`` patterns), ``alerts`` (RDKit FilterCatalog
``catalogs``: PAINS, BRENK, NIH, ZINC, ...), ``python`` (``function = "module:name"``,
called with a list of SMILES, returning floats in [0, 1]).
"""
from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
from rdkit import Chem, DataStructs
from rdkit.Chem import Crippen, Descriptors, Lipinski, QED, rdFingerprintGenerator, rdMolDescriptors
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

from genforge_molecule.objectives.desirability import Decreasing, Identity, Window
from genforge_molecule.properties import PROPERTIES

DESCRIPTORS: dict[str, Callable[[Chem.Mol], float]] = {
    "qed": QED.qed, "sa": PROPERTIES["sa"], "logp": Crippen.MolLogP, "mw": Descriptors.MolWt,
    "tpsa": rdMolDescriptors.CalcTPSA, "hbd": Lipinski.NumHDonors, "hba": Lipinski.NumHAcceptors,
    "rotatable": rdMolDescriptors.CalcNumRotatableBonds,
}
#: the values a descriptor can take, to refuse a window that no molecule can reach
RANGES = {"qed": (0.0, 1.0), "sa": (1.0, 10.0), "mw": (0.0, math.inf), "tpsa": (0.0, math.inf),
          "hbd": (0.0, math.inf), "hba": (0.0, math.inf), "rotatable": (0.0, math.inf),
          "logp": (-math.inf, math.inf), "similarity": (0.0, 1.0)}
KINDS = (*DESCRIPTORS, "similarity", "smarts", "alerts", "python")
CATALOGS = {name: getattr(FilterCatalogParams.FilterCatalogs, name)
            for name in ("PAINS", "PAINS_A", "PAINS_B", "PAINS_C", "BRENK", "NIH", "ZINC", "CHEMBL")}


class ComponentError(ValueError):
    """A component's settings are wrong; ``key`` names the setting (for the file's line)."""

    def __init__(self, message: str, key: str | None = None, value: Any = None):
        super().__init__(message)
        self.key, self.value = key, value


@dataclass
class Component:
    name: str
    kind: str
    weight: float
    compute: Callable[[list[Chem.Mol], list[str]], np.ndarray] = field(repr=False)
    transform: Any = field(default_factory=Identity)

    def score(self, mols: list[Chem.Mol], smiles: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """``(raw values, desirability)`` of each molecule."""
        raw = np.asarray(self.compute(mols, smiles), dtype=float)
        return raw, self.transform(raw)


def _descriptor(name: str) -> Callable[[list[Chem.Mol], list[str]], np.ndarray]:
    fn = DESCRIPTORS[name]
    return lambda mols, smiles: np.array([float(fn(m)) for m in mols])


def _window(kind: str, settings: dict[str, Any]) -> Any:
    low, high = settings.get("low"), settings.get("high")
    width = float(settings.get("width", 0.0))
    if low is None and high is None:
        if kind in ("qed", "similarity"):
            return Identity()
        if kind == "sa":
            return Decreasing(1.0, 10.0)
        raise ComponentError(f"component {kind!r} needs a window: low and/or high (and width)", "kind")
    lo, hi = (-math.inf if low is None else float(low)), (math.inf if high is None else float(high))
    if lo > hi:
        raise ComponentError(f"impossible window: low {lo:g} > high {hi:g}", "low")
    if width < 0:
        raise ComponentError(f"width must be >= 0, got {width:g}", "width")
    rmin, rmax = RANGES[kind]
    if hi + width < rmin or lo - width > rmax:
        raise ComponentError(f"impossible window [{lo:g}, {hi:g}]: {kind} lies in [{rmin:g}, {rmax:g}]",
                             "low" if lo - width > rmax else "high")
    return Window(lo, hi, width)


def _similarity(settings: dict[str, Any]) -> Callable[[list[Chem.Mol], list[str]], np.ndarray]:
    queries = settings.get("queries") or ([settings["query"]] if settings.get("query") else [])
    if not queries:
        raise ComponentError("similarity needs queries = [\"SMILES\", ...]", "queries")
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=int(settings.get("radius", 2)),
                                                          fpSize=int(settings.get("bits", 2048)))
    fps = []
    for q in queries:
        mol = Chem.MolFromSmiles(q)
        if mol is None:
            raise ComponentError(f"query {q!r} is not a valid SMILES", "queries", q)
        fps.append(generator.GetFingerprint(mol))
    return lambda mols, smiles: np.array([max(DataStructs.BulkTanimotoSimilarity(generator.GetFingerprint(m), fps))
                                          for m in mols])


def _patterns(settings: dict[str, Any], key: str) -> list[Chem.Mol]:
    out = []
    for text in settings.get(key) or []:
        pattern = Chem.MolFromSmarts(text) if isinstance(text, str) else None
        if pattern is None:
            raise ComponentError(f"bad SMARTS {text!r} in {key}", key, text)
        out.append(pattern)
    return out


def _smarts(settings: dict[str, Any]) -> Callable[[list[Chem.Mol], list[str]], np.ndarray]:
    required, forbidden = _patterns(settings, "required"), _patterns(settings, "forbidden")
    if not required and not forbidden:
        raise ComponentError("smarts needs required = [...] and/or forbidden = [...]", "kind")

    def compute(mols: list[Chem.Mol], smiles: list[str]) -> np.ndarray:
        return np.array([float(all(m.HasSubstructMatch(p) for p in required)
                               and not any(m.HasSubstructMatch(p) for p in forbidden)) for m in mols])
    return compute


def filter_catalog(names: Sequence[str]) -> FilterCatalog:
    params = FilterCatalogParams()
    for name in names:
        if name.upper() not in CATALOGS:
            raise ComponentError(f"unknown alert catalog {name!r}; choose from {', '.join(CATALOGS)}",
                                 "catalogs", name)
        params.AddCatalog(CATALOGS[name.upper()])
    return FilterCatalog(params)


def alert_names(catalog: FilterCatalog, mol: Chem.Mol) -> list[str]:
    return [entry.GetDescription() for entry in catalog.GetMatches(mol)]


def _alerts(settings: dict[str, Any]) -> Callable[[list[Chem.Mol], list[str]], np.ndarray]:
    catalog = filter_catalog(settings.get("catalogs") or ["PAINS", "BRENK"])
    return lambda mols, smiles: np.array([0.0 if catalog.HasMatch(m) else 1.0 for m in mols])


def load_function(spec: str) -> Callable[[list[str]], Sequence[float]]:
    module, sep, name = str(spec).partition(":")
    if not sep or not module or not name:
        raise ComponentError(f"function {spec!r}: expected \"module:name\"", "function", spec)
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ComponentError(f"function {spec!r} cannot be loaded ({exc}); the module must be on the "
                             "current directory or sys.path", "function", spec) from None
    if not callable(fn):
        raise ComponentError(f"function {spec!r} is not callable", "function", spec)
    return fn


def _python(settings: dict[str, Any]) -> Callable[[list[Chem.Mol], list[str]], np.ndarray]:
    if "function" not in settings:
        raise ComponentError("python needs function = \"module:name\"", "kind")
    spec = settings["function"]
    fn = load_function(spec)

    def compute(mols: list[Chem.Mol], smiles: list[str]) -> np.ndarray:
        values = np.asarray(list(fn(list(smiles))), dtype=float)
        if values.shape != (len(smiles),):
            raise ComponentError(f"function {spec!r} returned {values.size} values for {len(smiles)} SMILES",
                                 "function", spec)
        if np.any((values < 0) | (values > 1) | np.isnan(values)):
            raise ComponentError(f"function {spec!r} returned values outside [0, 1]", "function", spec)
        return values
    return compute


SETTINGS = {"kind", "name", "weight", "low", "high", "width", "queries", "query", "radius", "bits",
            "required", "forbidden", "catalogs", "function"}


def make_component(settings: dict[str, Any], name: str | None = None) -> Component:
    """A component from its settings (a ``[[components]]`` table); raises :class:`ComponentError`."""
    kind = settings.get("kind")
    if kind not in KINDS:
        raise ComponentError(f"unknown component kind {kind!r}; kinds: {', '.join(KINDS)}", "kind", kind)
    unknown = sorted(set(settings) - SETTINGS)
    if unknown:
        raise ComponentError(f"unknown setting {unknown[0]!r} for component {kind!r}", unknown[0])
    weight = settings.get("weight", 1.0)
    if not isinstance(weight, (int, float)) or weight <= 0:
        raise ComponentError(f"weight must be a positive number, got {weight!r}", "weight")
    if kind in DESCRIPTORS:
        compute, transform = _descriptor(kind), _window(kind, settings)
    elif kind == "similarity":
        compute, transform = _similarity(settings), _window(kind, settings)
    else:
        compute = {"smarts": _smarts, "alerts": _alerts, "python": _python}[kind](settings)
        transform = Identity()
    return Component(name or settings.get("name") or kind, kind, float(weight), compute, transform)
