"""The table and the predicate of the constraint tests (``constraint_rules:x_small``)."""
import numpy as np
import pandas as pd


def x_small(df):
    return (df["x"].abs() < 2.0).to_numpy()


def ruled_table(n: int = 500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    city = rng.choice(["Paris", "Lyon", "Berlin", "Munich", "Rome"], n)
    country = pd.Series(city).map({"Paris": "FR", "Lyon": "FR", "Berlin": "DE", "Munich": "DE",
                                   "Rome": "IT"}).to_numpy()
    a = rng.gamma(2, 10, n).round(2)
    hot = rng.integers(0, 3, n)
    start = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    return pd.DataFrame({
        "city": city, "country": country, "a": a, "b": (a + rng.gamma(1, 5, n)).round(2),
        "age": rng.integers(0, 100, n), "debt": -rng.gamma(2, 3, n).round(1), "x": rng.normal(0, 0.8, n),
        "h0": (hot == 0).astype(int), "h1": (hot == 1).astype(int), "h2": (hot == 2).astype(int),
        "start": start, "end": start + pd.to_timedelta(rng.integers(0, 30, n), unit="D"),
        "label": np.where(rng.random(n) < 0.3, "yes", "no")}).assign(total=lambda d: d.a + d.b)
