"""A generated table with the structure of a real one (card transactions): 40 mixed columns,
a merchant column of 50,000 levels (Zipf), functional dependencies (merchant -> category,
country -> currency), fixed combinations (country, city), formulas (fee, tax, total), an
inequality (opened <= closed), ranges, signs, a one-hot channel group and a rare fraud label
that depends on the other columns. Every row obeys the rules in :data:`RULES`."""
from __future__ import annotations

import numpy as np
import pandas as pd

MERCHANTS = 50_000
RULES = [
    {"kind": "inequality", "low": "opened", "high": "closed"},
    {"kind": "range", "column": "age", "low": 18, "high": 95},
    {"kind": "positive", "column": "balance"},
    {"kind": "negative", "column": "debt"},
    {"kind": "fixed_combinations", "columns": ["country", "city"]},
    {"kind": "one_hot", "columns": ["channel_web", "channel_pos", "channel_app"]},
    {"kind": "formula", "column": "total", "formula": "amount + fee + tax"},
]


def make_table(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 4))  # latent factors that tie the columns together
    merchant = np.minimum(rng.zipf(1.3, n), MERCHANTS) - 1
    merchant = np.where(rng.random(n) < 0.5, (merchant * 7919) % MERCHANTS,  # popular ones spread out
                        rng.integers(0, MERCHANTS, n))  # and a long tail: every level occurs
    category_of = np.random.default_rng(1).integers(0, 12, MERCHANTS)
    countries = [f"C{i:02d}" for i in range(30)]
    country = rng.choice(30, n, p=np.r_[0.3, np.full(29, 0.7 / 29)])
    city = country * 10 + rng.integers(0, 10, n)  # 300 cities, 10 per country
    amount = np.round(np.exp(3 + 0.8 * z[:, 0] + 0.1 * category_of[merchant] / 12 + rng.normal(0, 0.3, n)), 2)
    fee = np.round(amount * 0.02, 2)
    tax = np.round(amount * (0.05 + 0.01 * (country % 5)), 2)
    opened = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, n), unit="D")
    closed = opened + pd.to_timedelta(rng.gamma(2, 200, n).astype(int), unit="D")
    channel = np.where(z[:, 1] > 0.5, 0, np.where(z[:, 1] < -0.8, 2, 1))
    fraud_score = 0.9 * z[:, 0] - 0.7 * z[:, 2] + (channel == 0) * 0.8 + rng.normal(0, 0.5, n)
    cols = {
        "merchant": [f"M{m:05d}" for m in merchant] if n <= 200_000 else pd.Categorical.from_codes(
            merchant, [f"M{m:05d}" for m in range(MERCHANTS)]).astype(str),
        "category": category_of[merchant].astype(str).astype(object),
        "country": np.array(countries, dtype=object)[country],
        "currency": np.array([f"CUR{i % 12}" for i in range(30)], dtype=object)[country],
        "city": np.array([f"city{i:03d}" for i in range(300)], dtype=object)[city],
        "amount": amount, "fee": fee, "tax": tax, "total": amount + fee + tax,
        "age": np.clip(np.round(45 + 12 * z[:, 3] + rng.normal(0, 5, n)), 18, 95).astype(int),
        "balance": np.round(np.exp(7 + 0.5 * z[:, 3] + rng.normal(0, 0.5, n)), 2),
        "debt": -np.round(np.exp(5 + 0.6 * z[:, 2] + rng.normal(0, 0.4, n)), 2),
        "opened": opened, "closed": closed,
        "channel_web": (channel == 0).astype(int), "channel_pos": (channel == 1).astype(int),
        "channel_app": (channel == 2).astype(int),
    }
    for i in range(14):  # numeric features: mixtures of the factors
        w = np.random.default_rng(100 + i).normal(size=4)
        x = z @ w + rng.normal(0, 0.5, n)
        cols[f"num{i:02d}"] = np.round(np.where(i % 3 == 0, np.exp(x / 3), x), 3)
    for i in range(8):  # categorical features of 3-20 levels, tied to a factor
        levels = 3 + 2 * i
        cut = np.quantile(z[:, i % 4] + rng.normal(0, 0.7, n), np.linspace(0, 1, levels + 1)[1:-1])
        cols[f"cat{i}"] = np.array([f"L{j}" for j in range(levels)], dtype=object)[np.searchsorted(cut, z[:, i % 4])]
    cols["fraud"] = np.where(fraud_score > np.quantile(fraud_score, 0.98), "yes", "no").astype(object)
    return pd.DataFrame(cols)


def write_table(path, n: int, chunk_rows: int = 1_000_000, seed: int = 0) -> None:
    """``n`` rows of :func:`make_table` written to Parquet ``path`` in chunks (chunk ``i`` from seed
    ``seed + i``), so a table of 10^7 rows never sits in memory whole; written to a temporary name
    and renamed when complete."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from genforge.output_files import atomic_path

    with atomic_path(path) as temp:
        writer = None
        try:
            for i, start in enumerate(range(0, n, chunk_rows)):
                table = pa.Table.from_pandas(make_table(min(chunk_rows, n - start), seed + i), preserve_index=False)
                writer = writer or pq.ParquetWriter(temp, table.schema, compression="snappy")
                writer.write_table(table.cast(writer.schema))
        finally:
            if writer is not None:
                writer.close()
