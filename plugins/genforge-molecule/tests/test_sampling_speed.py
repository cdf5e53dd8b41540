"""The fast sampling path gives the molecules of the reference one: compiled SELFIES derivation
against ``selfies.decoder``, blocked GRU steps against one whole-batch step, streamed counts
against counts of everything at once."""
from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from rdkit import Chem, RDLogger

from genforge_molecule.samples import MoleculeSamples
from genforge_molecule.sample_stream import SampleTally, tallied
from genforge_molecule.selfies_derivation import compiled_writer

RDLogger.DisableLog("rdApp.*")
TOKENS = ("<pad>", "<start>", "<end>", "[C]", "[=C]", "[Ring1]", "[=Branch1]", "[Branch1]", "[N]", "[=O]",
          "[O]", "[=N]", "[S]", "[Branch2]", "[Ring2]", "[#Branch1]", "[=Branch2]", "[F]", "[#Branch2]", "[Cl]",
          "[#C]", "[P]", "[=Ring1]", "[NH1]", "[#N]", "[Br]", "[=Ring2]", "[=S]", "[H]", "[Branch3]", "[#Ring3]")


def canonical(smiles: str) -> str | None:
    mol = Chem.MolFromSmiles(smiles) if smiles else None
    return Chem.MolToSmiles(mol) if mol is not None else None


def reference(body: list[int]) -> str | None:
    import selfies
    return canonical(selfies.decoder("".join(TOKENS[k] for k in body)))


EDGE_CASES = [
    "[Branch1][C][C][O]",            # a branch before any atom is skipped, its length symbol read as an atom
    "[C][Ring1][C]",                 # a ring onto the atom itself
    "[C][C][=Ring1][Ring1]",         # a ring onto the bond already there raises its order
    "[C][C][C][C][C][C][Ring1][=Branch1][Ring1][=Branch1]",  # the same ring twice
    "[C][F][C][C]",                  # F leaves no bond: the string ends
    "[H][C][H]", "[NH1][=C][NH1]", "[C][Branch3][C][C][C][O]", "[C][C][#Ring3][C][C][C]",
    "[S][Branch1][C][=O][=O][Branch2][C][C][C][C][C][N]",  # a branch longer than the string
]


def test_compiled_derivation_writes_the_molecules_of_selfies_decoder():
    write = compiled_writer(TOKENS)
    index = {t: k for k, t in enumerate(TOKENS)}
    rows = [[index[t] for t in case.replace("]", "] ").split()] for case in EDGE_CASES]
    rng = np.random.default_rng(0)
    rows += [rng.integers(3, len(TOKENS), rng.integers(1, 48)).tolist() for _ in range(1500)]
    mismatched = [r for r in rows if canonical(write(r)) != reference(r)]
    assert not mismatched, [("".join(TOKENS[k] for k in r), write(r), reference(r)) for r in mismatched[:3]]


@pytest.mark.parametrize("token", ["[N+1]", "[nop]", "[=N-1]", "[C@@H1]", "[13C]", "[c]"])
def test_symbols_not_compiled_keep_selfies_decoder(token):
    assert compiled_writer(TOKENS[:5] + (token,)) is None


def test_vocabulary_decode_matches_selfies_decoder_on_moses_strings():
    import selfies
    from genforge_molecule.selfies_vocabulary import SelfiesVocabulary
    smiles = ["CC(=O)Nc1ccc(O)cc1", "O=C(O)c1ccccc1OC(C)=O", "Cn1cnc2c1c(=O)n(C)c(=O)n2C", "C1CC2CCC1C2",
              "Brc1ccc2[nH]ccc2c1", "ClC(Cl)=C(Cl)Cl", "N#CC1=CC=CC=C1S"]
    tokens = [list(selfies.split_selfies(selfies.encoder(s))) for s in smiles]
    vocabulary = SelfiesVocabulary.from_tokens(tokens)
    assert compiled_writer(tuple(vocabulary.tokens)) is not None
    decoded = vocabulary.decode(vocabulary.encode(tokens))
    assert [s for s, _ in decoded] == [canonical(s) for s in smiles]


def test_blocked_decoding_steps_draw_the_same_tokens(monkeypatch):
    from genforge_molecule import latent_codec
    torch.manual_seed(0)
    network = latent_codec.SelfiesAutoencoder(len(TOKENS), code_dim=8, hidden=16, embedding=4).eval()
    codes = torch.tanh(torch.randn(300, 8))
    whole = network.decode(codes, 40, torch.Generator().manual_seed(1), temperature=0.8)
    monkeypatch.setattr(latent_codec, "STEP_BLOCK", 7)
    blocked = network.decode(codes, 40, torch.Generator().manual_seed(1), temperature=0.8)
    assert torch.equal(whole, blocked) and (whole > 2).sum(1).float().mean() > 3


def test_tally_over_chunks_counts_what_one_pass_counts():
    smiles = ["CCO", "CCN", None, "CCO", "CCC", "CCN", "c1ccccc1", None, "CCO"]
    raw = [True, True, False, True, False, True, True, False, True]
    reasons = ["", "", "empty molecule", "", "graph repaired", "", "", "empty molecule", ""]
    whole = MoleculeSamples(smiles, raw, reasons)
    tally, progress = SampleTally(), io.StringIO()
    chunks = [whole.subset(range(lo, min(lo + 4, len(whole)))) for lo in range(0, len(whole), 4)]
    assert sum(len(c) for c in tallied(chunks, tally, len(whole), out=progress, every=0.0)) == 9
    assert (tally.n, tally.valid, tally.unique, tally.repaired) == (9, 6, 3, 1)
    assert dict(tally.reasons) == whole.rejects() == {"empty molecule": 2, "graph repaired": 1}
    lines = progress.getvalue().splitlines()
    assert lines[0].startswith("sampled 4/9 molecules") and "eta" in lines[0]
    assert lines[-1].startswith("sampled 9 molecules in") and "peak RSS" in lines[-1]
    assert tally.lines()[0].startswith("9 generated: raw validity 0.6667") and "(3 distinct)" in tally.lines()[0]


def test_bf16_decoding_keeps_the_token_statistics_and_bad_precisions_are_refused():
    from genforge_molecule.autoencoder_pretraining import load_bundled_codec
    codec = load_bundled_codec()
    codes = torch.tanh(torch.randn(400, codec.code_dim, generator=torch.Generator().manual_seed(0)))
    fp32 = codec.network.decode(codes, 64, None)
    bf16 = codec.network.decode(codes, 64, None, precision="bf16")
    agree = (fp32 == bf16).all(1).float().mean().item()
    lengths = [(ids > 2).sum(1).float().mean().item() for ids in (fp32, bf16)]
    assert 0.5 < agree < 1.0 and abs(lengths[0] - lengths[1]) < 1.0, (agree, lengths)
    with pytest.raises(ValueError, match="decoding precision 'fp16'"):
        codec.network.decode(codes[:2], 8, None, precision="fp16")


def test_latentgan_refuses_an_unknown_decode_precision():
    from genforge.errors import UserInputError
    from genforge_molecule.autoencoder_pretraining import load_bundled_codec
    from genforge_molecule.latentgan import build_latentgan
    from genforge_molecule.schema import MoleculeSchema
    schema = MoleculeSchema.__new__(MoleculeSchema)
    schema.latent, schema.training_smiles, schema.training_codes = load_bundled_codec(), None, None
    with pytest.raises(UserInputError, match="decode_precision='int4'"):
        build_latentgan(schema, {"decode_precision": "int4"})
