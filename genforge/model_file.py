"""The one saved-model format: a weights-only torch file with a checked header.

A model file is ``torch.save`` of a dict of plain values and tensors, loaded with
``weights_only=True`` (a pickle payload is refused, never run)::

    format: "genforge-model"    version: 1
    domain, model               the names it was trained with
    schema_fingerprint          a hash of the schema's plain state (checked on load)
    config, step, schema        TrainConfig dict, the step, the domain's schema state
    weights                     the model's state dict, sampling (EMA) generator in place
    reference                   the domain's reference data as plain state, or None
    extra                       plain data of the caller (an estimator's parameters)

Training checkpoints (:mod:`genforge.engine.checkpoint`) carry the same
``domain`` / ``model`` / ``schema_fingerprint`` keys.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from genforge.engine import checkpoint
from genforge.engine.checkpoint import fingerprint
from genforge.errors import UserInputError

FORMAT = "genforge-model"
VERSION = 1


def write(path: Path, payload: dict[str, Any]) -> Path:
    """Atomically write a model file (header added here)."""
    return checkpoint.save_atomic({**payload, "version": VERSION}, Path(path), tag=FORMAT)


def read(path: Path, domain: str | None = None) -> dict[str, Any]:
    """A checked model file: right format, a version this genforge reads, the expected domain,
    an intact schema. Anything else is one :class:`UserInputError` naming what was expected."""
    state = checkpoint.load_safe(Path(path), tag=None)
    found = state.get("format")
    if found != FORMAT:
        raise UserInputError(f"{path}: not a genforge model file (format {found!r}, expected {FORMAT!r}); "
                             "save one with TrainedGAN.save or an estimator's save()")
    check_header(state, path, domain)
    return state


def check_header(state: dict[str, Any], path: Path, domain: str | None = None,
                 model: str | None = None, schema_fingerprint: str | None = None) -> None:
    """Refuse a file of a newer version, another domain/model, or with an altered schema."""
    version = state.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise UserInputError(f"{path}: format version {version!r}; this genforge reads version {VERSION} "
                             "and older; upgrade genforge to load it")
    if domain is not None and state.get("domain") != domain:
        raise UserInputError(f"{path}: a model of domain {state.get('domain')!r}, expected {domain!r}")
    if model is not None and state.get("model") != model:
        raise UserInputError(f"{path}: a model {state.get('model')!r}, expected {model!r}")
    recorded = state.get("schema_fingerprint")
    if recorded is not None and "schema" in state and fingerprint(state["schema"]) != recorded:
        raise UserInputError(f"{path}: the schema does not match its fingerprint {recorded} "
                             "(the file was altered or damaged)")
    if schema_fingerprint is not None and recorded is not None and recorded != schema_fingerprint:
        raise UserInputError(f"{path}: trained on other data (schema {recorded}, expected {schema_fingerprint})")
