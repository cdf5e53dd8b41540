"""The class target: checked to be one, and the stratified hold-out split it drives."""
from __future__ import annotations

import pandas as pd

from genforge import did_you_mean
from genforge.errors import UserInputError
from genforge_tabular.columns import MODELLED_AS_DISCRETE


def split_holdout(df: pd.DataFrame, fraction: float, target: str | None, seed: int):
    """A stratified (by target, when given) hold-out split; no hold-out for fraction 0."""
    if not fraction:
        return df.reset_index(drop=True), None
    from sklearn.model_selection import train_test_split
    stratify = df[target].astype(str) if target and df[target].astype(str).value_counts().min() >= 2 else None
    train, hold = train_test_split(df, test_size=fraction, random_state=seed % 2**31, stratify=stratify)
    return train.reset_index(drop=True), hold.reset_index(drop=True)



def check_target(df: pd.DataFrame, target: str, kinds: dict[str, str], where: str) -> None:
    if target not in df.columns:
        raise UserInputError(f"{where}: target column {target!r} not found{did_you_mean(target, df.columns) or ';'} "
                             f"columns: {', '.join(map(str, df.columns))}")
    classes = df[target].dropna().nunique()
    if classes < 2:
        raise UserInputError(f"{where}, column {target!r}: the target has {classes} class"
                             f"{'es' if classes != 1 else ''}; a class target needs at least two")
    if kinds[target] not in MODELLED_AS_DISCRETE:
        raise UserInputError(f"{where}, column {target!r}: the target looks {kinds[target]} "
                             f"({classes} distinct values); a class target must be categorical "
                             "(declare it with discrete_columns= if it is)")
