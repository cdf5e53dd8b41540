"""Columns generated instead of learned: PII replaced by realistic fakes (Faker), primary
keys regenerated unique.

A PII column (an SDV sdtype such as ``email``, ``phone_number``, ``first_name``) is never
shown to the GAN: sampled rows get values from a pool of :data:`POOL` distinct Faker values
(built once per column from a fixed seed, so sampling stays fast at 10^7 rows), drawn by
each chunk's seed. A primary key gets ``offset + row`` numbers (or the real keys' text
prefix and width), unique over the whole sample.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from genforge.errors import UserInputError

#: distinct fake values per PII column
POOL = 5_000
#: SDV sdtype -> Faker provider (sdtypes not listed are tried as provider names)
FAKER_PROVIDERS = {"email": "email", "phone_number": "phone_number", "first_name": "first_name",
                   "last_name": "last_name", "name": "name", "address": "address",
                   "street_address": "street_address", "city": "city", "country": "country",
                   "country_code": "country_code", "postcode": "postcode", "zipcode": "postcode", "ssn": "ssn",
                   "credit_card_number": "credit_card_number", "iban": "iban", "ipv4_address": "ipv4",
                   "ipv6_address": "ipv6", "mac_address": "mac_address", "url": "url", "company": "company",
                   "job": "job", "user_name": "user_name", "license_plate": "license_plate",
                   "state": "state", "state_abbr": "state_abbr", "administrative_unit": "administrative_unit"}


def faker_provider(sdtype: str) -> str | None:
    """The Faker provider for an sdtype, or None when Faker has none."""
    from faker import Faker
    name = FAKER_PROVIDERS.get(sdtype, sdtype)
    return name if callable(getattr(Faker("en_US"), name, None)) else None


class GeneratedColumn:
    """One generated column: its name, sdtype, whether it is the primary key, and how keys look."""

    def __init__(self, column: str, sdtype: str, primary_key: bool = False, key_style: dict | None = None,
                 locales: list[str] | None = None):
        self.column, self.sdtype, self.primary_key = column, sdtype, primary_key
        self.key_style, self.locales = key_style or {}, locales or ["en_US"]
        self._pool: np.ndarray | None = None

    @classmethod
    def key(cls, column: str, series: pd.Series, sdtype: str = "id") -> "GeneratedColumn":
        """A primary key like ``series``: whole numbers, or a text prefix with zero-padded numbers."""
        if pd.api.types.is_integer_dtype(series) or (pd.api.types.is_float_dtype(series)
                                                     and bool(np.all(np.mod(series.dropna(), 1) == 0))):
            return cls(column, sdtype, True, {"numeric": True, "start": int(series.min())})
        text = series.astype(str)
        match = text.str.extract(r"^(\D*)(\d+)$")
        prefix = match[0].dropna().unique()
        if len(prefix) == 1 and match[1].notna().all():
            return cls(column, sdtype, True, {"numeric": False, "prefix": str(prefix[0]),
                                              "width": int(match[1].str.len().max())})
        return cls(column, sdtype, True, {"numeric": False, "prefix": f"{column}-", "width": 1})

    def values(self, n: int, seed: int, offset: int = 0) -> pd.Series:
        """``n`` values for rows ``offset .. offset + n - 1`` of a sample."""
        if self.primary_key and self.sdtype not in FAKER_PROVIDERS:
            numbers = np.arange(offset, offset + n, dtype=np.int64)
            if self.key_style.get("numeric"):
                return pd.Series(numbers + int(self.key_style.get("start", 0)), name=self.column)
            prefix, width = self.key_style.get("prefix", ""), self.key_style.get("width", 1)
            return pd.Series([f"{prefix}{i:0{width}d}" for i in numbers], name=self.column)
        drawn = self.pool()[np.random.default_rng(seed).integers(0, len(self.pool()), n)]
        if self.primary_key:  # unique fakes: the row number goes into the value
            drawn = np.array([_numbered(v, i) for v, i in zip(drawn, range(offset, offset + n))], dtype=object)
        return pd.Series(drawn, name=self.column, dtype=object)

    def pool(self) -> np.ndarray:
        if self._pool is None:
            from faker import Faker
            provider = faker_provider(self.sdtype)
            if provider is None:  # PII without a Faker provider: opaque random tokens
                rng = np.random.default_rng(0)
                self._pool = np.array([f"{self.column}_{v:08x}" for v in rng.integers(0, 2**32, POOL)], dtype=object)
                return self._pool
            fake = Faker(self.locales)
            fake.seed_instance(0)
            make = getattr(fake, provider)
            values = dict.fromkeys(str(make()).replace("\n", ", ") for _ in range(POOL))
            self._pool = np.array(list(values), dtype=object)
        return self._pool

    def to_state(self) -> dict[str, Any]:
        return {"column": self.column, "sdtype": self.sdtype, "primary_key": self.primary_key,
                "key_style": self.key_style, "locales": self.locales}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "GeneratedColumn":
        return cls(**state)


def _numbered(value: str, i: int) -> str:
    if "@" in value:
        user, _, domain = value.partition("@")
        return f"{user}.{i}@{domain}"
    return f"{value} {i}" if re.search(r"\D$", value) else f"{value}-{i}"


def check_locales(locales: Any, where: str) -> list[str]:
    if locales is None:
        return ["en_US"]
    if isinstance(locales, str):
        locales = [locales]
    from faker.config import AVAILABLE_LOCALES
    for locale in locales:
        if locale not in AVAILABLE_LOCALES:
            raise UserInputError(f"{where}: unknown Faker locale {locale!r} (e.g. en_US, de_DE, fr_FR)")
    return list(locales)
