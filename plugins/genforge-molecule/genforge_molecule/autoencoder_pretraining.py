"""Pretraining the SELFIES autoencoder: part of building the latent GAN, cached on disk.

The autoencoder is fitted once per (training molecules, options, seed) and kept in
``$GENFORGE_CACHE`` (default ``~/.cache/genforge``) under ``molecule-autoencoders/``,
named by a hash of what it was fitted on, so a second training on the same data
reuses it. Progress (loss, token accuracy, time) is printed while it trains; the
run's checkpoints then carry its weights, so sampling needs no cache.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch

from genforge import track
from genforge.errors import UserInputError
from genforge_molecule.latent_codec import LatentCodec
from genforge_molecule.selfies_vocabulary import SelfiesVocabulary, to_selfies
from genforge_molecule.worker_pool import map_slices

#: ``ae_lr``: measured at equal steps (benchmarks/molecule_autoencoder.py, plugin README), Adam at
#: 2e-2 with the cosine decay learns the reconstruction several times faster than 2e-3 (QM9 and
#: MOSES); 6e-2 and above diverge on QM9
PRETRAIN_DEFAULTS: dict[str, Any] = {"ae_steps": 1500, "ae_batch_size": 128, "ae_lr": 2e-2,
                                     "ae_code_noise": 0.05, "ae_molecules": 100_000}


def cache_folder() -> Path:
    return Path(os.environ.get("GENFORGE_CACHE") or Path.home() / ".cache" / "genforge") / "molecule-autoencoders"


#: the autoencoder shipped with the plugin, trained on MOSES (provenance: data/README.md)
BUNDLED_AUTOENCODER = Path(__file__).parent / "data" / "moses_selfies_autoencoder.pt"
BUNDLED_FORMAT = "genforge-molecule-autoencoder"


def load_bundled_codec(path: Path = BUNDLED_AUTOENCODER) -> LatentCodec:
    if not path.is_file():
        raise UserInputError(f"the bundled autoencoder {path} is missing; reinstall genforge-molecule "
                             "or use model option autoencoder=train")
    state = torch.load(path, weights_only=True)
    if state.get("format") != BUNDLED_FORMAT:
        raise UserInputError(f"{path} is not a genforge molecule autoencoder (format {state.get('format')!r}); "
                             "reinstall genforge-molecule or use model option autoencoder=train")
    with torch.random.fork_rng():  # building the network must not move the caller's seeded draws
        return LatentCodec.from_state(state)


def coverage_problem(codec: LatentCodec, token_lists: Sequence[Sequence[str] | None]) -> str:
    """Why ``codec`` cannot encode these molecules ("" when it can): the SELFIES tokens its
    vocabulary lacks and the strings longer than its maximum length."""
    index = set(codec.vocabulary.tokens)
    lists = [t for t in token_lists if t]
    missing = sorted({x for t in lists for x in t if x not in index})
    too_long = sum(len(t) >= codec.vocabulary.max_length for t in lists)
    reasons = []
    if missing:
        reasons.append(f"SELFIES tokens not in its vocabulary: {', '.join(missing[:8])}"
                       + (f" (+{len(missing) - 8} more)" if len(missing) > 8 else ""))
    if too_long:
        reasons.append(f"{too_long} molecules longer than its {codec.vocabulary.max_length - 1} tokens")
    return "; ".join(reasons)


def selfies_tokens(smiles: Sequence[str], chunk: int = 20_000) -> list[list[str] | None]:
    chunks = [list(smiles[lo:lo + chunk]) for lo in range(0, len(smiles), chunk)]
    return [t for part in track(chunks, len(smiles), "SELFIES tokens", "molecule", size=len)
            for t in map_slices(to_selfies, len(part), (part,), min_parallel=5000)]


def fit_codec(smiles: Sequence[str], codec_options: dict[str, Any], options: dict[str, Any], seed: int,
              report: Callable[[str], None] = print, bundled: bool = False) -> LatentCodec:
    """The autoencoder of ``smiles`` (the first ``ae_molecules`` of them): with ``bundled``, the
    shipped one when it covers their tokens and lengths and has ``codec_options``' sizes; else
    from the cache when it was fitted before, else trained for ``ae_steps`` steps (progress to
    ``report``)."""
    o = {**PRETRAIN_DEFAULTS, **options}
    for key in PRETRAIN_DEFAULTS:
        if not isinstance(o[key], (int, float)) or o[key] < 0:
            raise UserInputError(f"model option {key} must be a non-negative number, got {o[key]!r}")
    subset = list(smiles[: int(o["ae_molecules"])])
    tokens = [t for t in selfies_tokens(subset) if t]
    if bundled:
        codec = load_bundled_codec()
        problem = coverage_problem(codec, tokens)
        if not problem and codec.options != {k: int(v) for k, v in codec_options.items()}:
            problem = f"its sizes {codec.options} differ from the options' {codec_options}"
        if not problem:
            report(f"autoencoder: the bundled MOSES autoencoder (held-out reconstruction "
                   f"{codec.summary.get('reconstruction', float('nan')):.3f}); no pretraining")
            return codec
        report(f"autoencoder: the bundled one does not fit these molecules ({problem}); training one")
    if not tokens:
        raise UserInputError("no training molecule could be written as SELFIES")
    vocabulary = SelfiesVocabulary.from_tokens(tokens)
    key = hashlib.sha256(json.dumps([subset, codec_options, {k: o[k] for k in PRETRAIN_DEFAULTS}, seed],
                                    sort_keys=True).encode()).hexdigest()[:20]
    path = cache_folder() / f"{key}.pt"
    if path.is_file():
        codec = LatentCodec.from_state(torch.load(path, weights_only=True))
        report(f"autoencoder: reusing {path} (reconstruction {codec.summary.get('reconstruction', float('nan')):.3f})")
        return codec
    codec = LatentCodec(vocabulary, dict(codec_options))
    ids = vocabulary.encode(tokens)
    codec.summary = train_autoencoder(codec, ids, o, seed, report)
    codec.keep_weights()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".pt.partial")
    torch.save(codec.to_state(), partial)
    os.replace(partial, path)
    return codec


def train_autoencoder(codec: LatentCodec, ids: np.ndarray, o: dict[str, Any], seed: int,
                      report: Callable[[str], None]) -> dict[str, float]:
    """Adam on the teacher-forced reconstruction loss (on CUDA when there is one); held-out greedy
    reconstruction at the end."""
    rng = torch.Generator().manual_seed(seed)
    held = max(1, min(1000, len(ids) // 20))
    order = torch.randperm(len(ids), generator=rng).numpy()
    test, train = torch.from_numpy(ids[order[:held]]), torch.from_numpy(ids[order[held:] if len(ids) > held else order])
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")  # pretraining is the costly part
    net = codec.network.to(device)
    net.train()
    steps, batch = int(o["ae_steps"]), int(o["ae_batch_size"])
    optimizer = torch.optim.Adam(net.parameters(), lr=float(o["ae_lr"]))
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, max(1, steps))
    started = time.perf_counter()
    max_seconds = float(o.get("ae_max_seconds") or 0)  # a CPU-time cap (the shipped model's long run)
    cpu_started = time.process_time()
    report(f"autoencoder: pretraining on {len(train)} molecules ({codec.vocabulary.size} SELFIES tokens, "
           f"strings up to {codec.vocabulary.max_length}), {steps} steps of {batch}")
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        for step in range(1, steps + 1):
            pick = torch.randint(0, len(train), (batch,), generator=rng)
            part = train[pick]
            part = part[:, : int((part != 0).sum(1).max())].to(device)
            loss, accuracy = net.loss(part, float(o["ae_code_noise"]))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            if step % max(1, steps // 10) == 0 or step == steps:
                report(f"autoencoder: step {step}/{steps} loss {loss.item():.3f} token accuracy {accuracy:.3f} "
                       f"({time.perf_counter() - started:.0f}s)")
            if max_seconds and time.process_time() - cpu_started > max_seconds:
                report(f"autoencoder: CPU-time cap {max_seconds:.0f}s reached at step {step}")
                steps = step
                break
    net.eval().cpu()
    decoded = net.greedy_decode(net.encode(test), codec.vocabulary.max_length).numpy()
    exact = float(np.mean([np.array_equal(a[a != 0], b[b != 0]) for a, b in zip(decoded, test.numpy())]))
    summary = {"steps": float(steps), "seconds": time.perf_counter() - started, "reconstruction": exact,
               "cpu_seconds": time.process_time() - cpu_started,
               "molecules": float(len(ids))}
    report(f"autoencoder: held-out exact reconstruction {exact:.3f} of {held} molecules "
           f"in {summary['seconds']:.0f}s")
    return summary
