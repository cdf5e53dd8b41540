"""The SMILES-only data path of ``latentgan``: molecules -> SELFIES -> autoencoder codes.

The latent GAN never looks at graphs: its real batches are the codes of the training
molecules. With dataset option ``codes = true`` (set by ``genforge train molecule --model
latentgan`` unless the autoencoder is trained for the run) a dataset is read in chunks of
:data:`CHUNK` SMILES; the worker pool checks each molecule (the same checks and reasons as
:func:`~genforge_molecule.loading.parse_smiles`), writes its canonical SMILES and SELFIES token
ids, while this process encodes the previous chunk with the bundled autoencoder. Only the
canonical SMILES (for novelty), the float32 codes and one size per molecule are kept, so memory
grows by about 370 bytes a molecule (no graphs). Every dropped molecule is counted by reason.

The result is cached in ``$GENFORGE_CACHE/molecule-codes/`` under a hash of the autoencoder's
weights, the data file (path, size, modification time) and the options, written atomically
(``codes.npy`` float32, ``smiles.txt``, ``report.json``), so a second training on the same data
reads the codes instead of encoding them.
"""
from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np
import torch
from rdkit import Chem

from genforge.domain import DataReport
from genforge.errors import UserInputError
from genforge.output_files import atomic_path, write_text
from genforge_molecule.autoencoder_pretraining import cache_folder, load_bundled_codec
from genforge_molecule.latent_codec import LatentCodec
from genforge_molecule.loading import (SIZE_PERCENTILE, SIZE_SLACK, atom_problem, atoms_of, bonds_of, checked_molecule,
                                       parse_smiles, size_limit)
from genforge_molecule.schema import EDGE_TYPE, MoleculeSchema
from genforge_molecule.selfies_vocabulary import SelfiesVocabulary, to_selfies
from genforge_molecule.worker_pool import submit_slices

#: SMILES per chunk: one chunk is checked in the workers while the previous one is encoded
CHUNK = 20_000
#: molecules read between progress lines
PROGRESS_EVERY = 100_000
#: bump when what a cached entry holds changes
CACHE_FORMAT = 1
OUT_OF_VOCABULARY = "SELFIES token outside the autoencoder's vocabulary"
NOT_SELFIES = "SELFIES cannot encode it"


def too_long(vocabulary: SelfiesVocabulary) -> str:
    return f"longer than the autoencoder's {vocabulary.max_length - 1} SELFIES tokens"


@dataclass
class CodeSet:
    """Usable molecules as codes: canonical SMILES, codes ``[M, L]`` (float32), the schema
    (carrying the codec and the codes) and the report of what was dropped."""

    smiles: list[str]
    codes: torch.Tensor
    schema: MoleculeSchema
    report: DataReport
    #: molecules/CPU-s and the like, for benchmarks (empty when read from the cache)
    timing: dict[str, float] = field(default_factory=dict)

    def dense(self) -> tuple[torch.Tensor, torch.Tensor]:
        raise UserInputError("dataset option codes = true keeps SMILES and autoencoder codes only, no graphs: "
                             "it is for model latentgan; drop the option for a graph model")


def check_smiles(smiles: str, drop_stereo: bool) -> tuple[str, int, str] | str:
    """``(canonical SMILES, heavy atoms, elements "C,N,O")`` or the reason the molecule is unusable:
    :func:`parse_smiles`'s checks and reasons without building its graph (molecules with explicit
    hydrogens take :func:`parse_smiles` itself, whose graph check they need)."""
    mol = checked_molecule(smiles, drop_stereo)
    if isinstance(mol, str):
        return mol
    elements, plain = set(), True
    for atom in atoms_of(mol):
        problem = atom_problem(atom)
        if problem:
            return problem
        elements.add(atom.GetSymbol())
        plain = plain and not (atom.GetNumExplicitHs() or atom.GetNoImplicit())
    if not plain or any(b.GetBondType() not in EDGE_TYPE for b in bonds_of(mol)):
        parsed = parse_smiles(smiles, drop_stereo=drop_stereo)
        if isinstance(parsed, str):
            return parsed
    Chem.RemoveStereochemistry(mol)
    return Chem.MolToSmiles(mol), mol.GetNumAtoms(), ",".join(sorted(elements))


def check_and_tokenize(smiles: Sequence[str], drop_stereo: bool,
                       vocabulary: SelfiesVocabulary) -> list[tuple[str, int, str, np.ndarray] | str]:
    """For each SMILES: :func:`check_smiles`'s triple plus the token ids, or the reason it is
    unusable (:func:`check_smiles`'s, then the autoencoder's)."""
    index = {t: k for k, t in enumerate(vocabulary.tokens)}
    checked = [check_smiles(s, drop_stereo) for s in smiles]
    tokens = iter(to_selfies([c[0] for c in checked if not isinstance(c, str)]))
    out: list[tuple[str, int, str, np.ndarray] | str] = []
    for c in checked:
        if isinstance(c, str):
            out.append(c)
            continue
        t = next(tokens)
        if t is None:
            out.append(NOT_SELFIES)
        elif any(x not in index for x in t):
            out.append(OUT_OF_VOCABULARY)
        elif len(t) >= vocabulary.max_length:
            out.append(too_long(vocabulary))
        else:
            out.append((*c, vocabulary.encode([t])[0]))
    return out


def codec_fingerprint(codec: LatentCodec) -> str:
    digest = hashlib.sha256(json.dumps([codec.vocabulary.to_state(), codec.options], sort_keys=True).encode())
    for name in sorted(codec.weights):
        digest.update(name.encode())
        digest.update(codec.weights[name].float().numpy().tobytes())
    return digest.hexdigest()[:16]


def cache_key(codec: LatentCodec, source: Any, options: dict[str, Any]) -> str:
    """A hash of the autoencoder, the data (a file's path, size and mtime, or the records) and options."""
    return hashlib.sha256(json.dumps([CACHE_FORMAT, codec_fingerprint(codec), source, options],
                                     sort_keys=True, default=str).encode()).hexdigest()[:20]


def file_identity(path: Path) -> list[Any]:
    stat = Path(path).stat()
    return [str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns]


def encode_stream(chunks: Iterable[Sequence[tuple[str, str]]], codec: LatentCodec, drop_stereo: bool,
                  report: DataReport, progress=print) -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
    """Usable SMILES, their codes ``[M, L]`` float32, heavy-atom counts and element sets;
    chunk k+1 is checked in the workers while chunk k is encoded here."""
    import time

    smiles: list[str] = []
    codes: list[np.ndarray] = []
    sizes: list[int] = []
    elements: list[str] = []
    started, cpu = time.perf_counter(), time.process_time()

    def finish(records: Sequence[tuple[str, str]], pending, last: bool = False) -> None:
        rows, ids = pending(), []
        for (where, text), row in zip(records, rows):
            if isinstance(row, str):
                report.skip(row, f"{where}: {text[:40]!r}" if text else where)
            else:
                smiles.append(row[0])
                sizes.append(row[1])
                elements.append(sys.intern(row[2]))  # a few hundred distinct sets: one string each
                ids.append(row[3])
        if ids:
            codes.append(codec.encode_ids(np.stack(ids)).numpy())
        if report.total % PROGRESS_EVERY and not last:
            return
        progress(f"codes: {len(smiles):,} molecules encoded of {report.total:,} read "
                 f"({time.perf_counter() - started:.0f}s wall, {time.process_time() - cpu:.0f} CPU-s here)")

    previous = None
    for chunk in chunks:
        chunk = list(chunk)
        report.total += len(chunk)
        pending = submit_slices(check_and_tokenize, len(chunk), ([s for _, s in chunk],),
                                (drop_stereo, codec.vocabulary), min_parallel=2000)
        if previous is not None:
            finish(*previous)
        previous = (chunk, pending)
    if previous is not None:
        finish(*previous, last=True)
    stacked = np.concatenate(codes) if codes else np.zeros((0, codec.code_dim), dtype=np.float32)
    return smiles, stacked, np.asarray(sizes, dtype=np.int32), elements


def apply_limits(smiles: list[str], codes: np.ndarray, sizes: np.ndarray, elements: list[str],
                 options: dict[str, Any], report: DataReport) -> tuple[list[str], np.ndarray, list[str], int]:
    """The atom-vocabulary and size rules of :func:`~genforge_molecule.loading.parse_molecules`."""
    keep = np.ones(len(smiles), dtype=bool)
    atom_types = options.get("atom_types")
    if atom_types is not None:
        allowed = set(atom_types)
        for k, e in enumerate(elements):
            bad = next((x for x in e.split(",") if x not in allowed), None)
            if bad is not None:
                keep[k] = False
                report.skip(f"element outside the atom vocabulary {sorted(allowed)}", f"{bad} in {smiles[k]}")
    max_atoms, reason = options.get("max_atoms"), f"more than {options.get('max_atoms')} heavy atoms"
    if max_atoms is None and keep.any():
        max_atoms = size_limit(sizes[keep])
        reason = (f"more than {max_atoms} heavy atoms (outlier: over {SIZE_SLACK}x the {SIZE_PERCENTILE}th "
                  "percentile of the data; dataset option max_atoms sets the limit)")
    for k in np.flatnonzero(keep & (sizes > (max_atoms or 0))):
        keep[k] = False
        report.skip(reason, smiles[k])
    index = np.flatnonzero(keep)
    return [smiles[k] for k in index], codes[index], [elements[k] for k in index], int(max_atoms or 1)


def code_set(chunks: Iterable[Sequence[tuple[str, str]]], options: dict[str, Any], source: str,
             identity: Any, progress=print) -> CodeSet:
    """The :class:`CodeSet` of the records in ``chunks`` (from the cache when ``identity``, the
    data's fingerprint, was encoded before with this autoencoder and these options)."""
    import time

    codec = load_bundled_codec()
    progress(f"codes: {source} through the bundled MOSES autoencoder (held-out reconstruction "
             f"{codec.summary.get('reconstruction', float('nan')):.3f}; model option autoencoder=train "
             "trains one on these molecules instead)")
    kept = {k: options.get(k) for k in ("atom_types", "max_atoms", "drop_stereo", "limit")}
    folder = cache_folder().parent / "molecule-codes" / cache_key(codec, identity, kept)
    if (folder / "report.json").is_file():
        progress(f"codes: reusing {folder}")
        saved = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        report = DataReport(saved["total"], saved["used"], saved["skipped"], saved["examples"])
        smiles = (folder / "smiles.txt").read_text(encoding="utf-8").split("\n")
        codes = torch.from_numpy(np.load(folder / "codes.npy"))
        return _finish(smiles, codes, saved["atom_types"], saved["max_atoms"], codec, report, {})
    report = DataReport()
    wall, cpu = time.perf_counter(), time.process_time()
    children = _children_cpu()
    smiles, codes, sizes, elements = encode_stream(chunks, codec, bool(options.get("drop_stereo")), report, progress)
    smiles, codes, elements, max_atoms = apply_limits(smiles, codes, sizes, elements, options, report)
    timing = {"wall_s": time.perf_counter() - wall, "cpu_s_main": time.process_time() - cpu,
              "cpu_s_workers": _children_cpu() - children, "molecules_read": float(report.total)}
    report.used = len(smiles)
    if not smiles:
        raise UserInputError(f"{source}: no usable molecule among {report.total} records: "
                             + "; ".join(line.strip() for line in report.lines()[1:]))
    counts = Counter(x for e in elements for x in e.split(","))
    atom_types = options.get("atom_types") or [e for e, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(folder / "codes.npy") as partial:
        with open(partial, "wb") as handle:
            np.save(handle, codes)
    write_text(folder / "smiles.txt", "\n".join(smiles))
    write_text(folder / "report.json", json.dumps(  # written last: its presence marks a complete entry
        {"total": report.total, "used": report.used, "skipped": dict(report.skipped),
         "examples": {k: list(v) for k, v in report.examples.items()}, "atom_types": list(atom_types),
         "max_atoms": max_atoms}))
    return _finish(smiles, torch.from_numpy(codes), list(atom_types), max_atoms, codec, report, timing)


def _finish(smiles: list[str], codes: torch.Tensor, atom_types: list[str], max_atoms: int, codec: LatentCodec,
            report: DataReport, timing: dict[str, float]) -> CodeSet:
    schema = MoleculeSchema(list(atom_types), int(max_atoms), latent=codec)
    schema.training_codes = codes
    return CodeSet(smiles, codes, schema, report, timing)


def _children_cpu() -> float:
    """CPU seconds of the worker pool's live processes so far (they outlive one call)."""
    import os

    from genforge_molecule.worker_pool import worker_pids

    total = 0.0
    for pid in worker_pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
        except (OSError, IndexError, ValueError):  # gone, or not Linux
            pass
    return total


def chunked(records: Iterable[tuple[str, str]], size: int = CHUNK) -> Iterator[list[tuple[str, str]]]:
    chunk: list[tuple[str, str]] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
