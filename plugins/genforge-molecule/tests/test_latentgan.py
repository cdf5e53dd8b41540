"""The latent GAN end to end on 600 QM9 molecules: pretraining, engine training, honest sampling."""
import json

import numpy as np
import pandas as pd
import pytest
import torch
from rdkit import Chem

from genforge.cli import main
from genforge.runs import Run
from genforge_molecule.datasets import QM9_SAMPLE
from genforge_molecule.latent_codec import LatentCodec
from genforge_molecule.samples import MoleculeSamples
from genforge_molecule.selfies_vocabulary import END, SelfiesVocabulary, to_selfies

CONFIG = """steps = 30
batch_size = 32
n_critic = 2
eval_samples = 100
model = "latentgan"
[model_options]
latent_dim = 8
hidden = [32]
critic = [32]
code_dim = 16
ae_hidden = 32
ae_embedding = 8
ae_steps = 40
ae_molecules = 400
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("latent")
    data = tmp / "qm9_600.smi"
    data.write_text("".join(QM9_SAMPLE.read_text().splitlines(keepends=True)[:600]))
    (tmp / "tiny.toml").write_text(CONFIG)
    run = tmp / "run"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GENFORGE_CACHE", str(tmp / "cache"))
        assert main(["train", "molecule", "--dataset", str(data), "--config", str(tmp / "tiny.toml"),
                     "--out", str(run)]) == 0
        assert len(list((tmp / "cache" / "molecule-autoencoders").glob("*.pt"))) == 1
    return run


def test_selfies_vocabulary_round_trips_and_every_token_string_is_a_molecule():
    smiles = ["CCO", "c1ccccc1", "CC(=O)Nc1ccc(O)cc1"]
    tokens = to_selfies(smiles)
    vocab = SelfiesVocabulary.from_tokens(tokens)
    ids = vocab.encode(tokens)
    assert ids.shape == (3, vocab.max_length) and (ids == END).sum() == 3
    assert [s for s, _ in vocab.decode(ids)] == [Chem.MolToSmiles(Chem.MolFromSmiles(s)) for s in smiles]
    random_ids = np.random.default_rng(0).integers(3, vocab.size, (200, 12))
    decoded = vocab.decode(random_ids)
    assert all(s is not None and Chem.MolFromSmiles(s) is not None for s, _ in decoded)  # valid by construction
    assert vocab.decode(np.array([[END, 3, 3]])) == [(None, "empty molecule (the end token came first)")]


def test_codec_state_is_plain_tensors_and_decoding_is_reproducible():
    vocab = SelfiesVocabulary.from_tokens(to_selfies(["CCO", "CCN", "c1ccccc1"]))
    codec = LatentCodec(vocab, {"code_dim": 4, "hidden": 8, "embedding": 4})
    codec.keep_weights()
    again = LatentCodec.from_state(codec.to_state())
    codes = torch.rand(50, 4) * 2 - 1
    first = codec.decode_ids(codes)
    assert np.array_equal(first, again.decode_ids(codes))  # same codes, same molecules
    assert all(np.array(vocab.atom_tokens())[first[:, 0]])  # an atom first: never an empty molecule
    assert all(s is not None for s, _ in vocab.decode(first))


def test_training_through_the_engine_gives_valid_molecules_from_the_run(run_dir, tmp_path, capsys):
    run = Run(run_dir)
    assert run.schema.latent is not None and run.config.model == "latentgan"
    samples = run.sample(300, seed=5)
    assert len(samples) == 300 and samples.raw_valid.all()
    assert all(Chem.MolFromSmiles(s) is not None for s in samples.smiles)
    assert run.sample(300, seed=5).smiles == samples.smiles  # same seed, same samples
    out = tmp_path / "raw.smi"
    assert main(["sample", str(run_dir), "-n", "300", "--raw", "--seed", "5", "--out", str(out)]) == 0
    assert out.read_text().splitlines() == samples.smiles
    printed = capsys.readouterr().out
    assert "300 generated: raw validity 1.0000" in printed and "wrote 300 lines" in printed


def test_raw_lines_mark_invalid_outputs_and_rejects_count_reasons(tmp_path):
    from genforge_molecule.sample_command import describe, write_raw
    samples = MoleculeSamples(["CCO", None, "CCN", "CCC"], [True, False, False, True],
                              ["", "empty molecule", "graph invalid as sampled", ""])
    assert write_raw([samples.subset([0, 1]), samples.subset([2, 3])], tmp_path / "g.smi") == 4
    assert (tmp_path / "g.smi").read_text().splitlines() == ["CCO", "INVALID", "INVALID", "CCC"]
    assert samples.rejects() == {"empty molecule": 1, "graph invalid as sampled": 1}
    lines = describe(samples)
    assert lines[0].startswith("4 generated: raw validity 0.5000") and "validity 0.7500" in lines[1]


def test_objective_ranks_and_chemists_files(run_dir, tmp_path, capsys):
    objective = tmp_path / "obj.toml"
    objective.write_text('max_calls = 200\n[[components]]\nkind = "qed"\n[[components]]\nkind = "mw"\n'
                         'low = 60\nhigh = 140\nwidth = 40\n')
    library = tmp_path / "lib.smi"
    first = Run(run_dir).sample(50, seed=2).valid[:3]
    library.write_text("\n".join(first) + "\n")
    out = tmp_path / "top.csv"
    assert main(["sample", str(run_dir), "-n", "20", "--objective", str(objective), "--seed", "2",
                 "--exclude", str(library), "--out", str(out), "--grid", str(tmp_path / "top.png")]) == 0
    table = pd.read_csv(out)
    assert len(table) == 20 and list(table["score"]) == sorted(table["score"], reverse=True)
    assert {"smiles", "name", "score_qed", "score_mw", "qed", "sa", "tpsa", "alerts", "novel"} <= set(table.columns)
    assert not set(first) & set(table["smiles"]) and table["novel"].all()
    assert (tmp_path / "top.png").stat().st_size > 1000
    assert "scoring calls used: " in capsys.readouterr().out
    sdf = tmp_path / "top.sdf"
    assert main(["molecule-sample", str(run_dir), "-n", "3", "--objective", str(objective), "--seed", "2",
                 "--out", str(sdf), "--conformers"]) == 0
    mols = list(Chem.SDMolSupplier(str(sdf), removeHs=False))
    assert len(mols) == 3 and mols[0].GetConformer().Is3D() and mols[0].HasProp("score")


def test_bad_objective_exits_2(run_dir, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[components]]\nkind = "smarts"\nforbidden = ["C(("]\n')
    assert main(["molecule-sample", str(run_dir), "-n", "5", "--objective", str(bad),
                 "--out", str(tmp_path / "x.csv")]) == 2
    assert "line 3" in capsys.readouterr().err


def _random_codec(seed=0):
    torch.manual_seed(seed)
    vocab = SelfiesVocabulary.from_tokens(to_selfies(["CCO", "CCN", "c1ccccc1", "CC(=O)Nc1ccc(O)cc1", "C#CCl"]))
    return LatentCodec(vocab, {"code_dim": 6, "hidden": 16, "embedding": 5})


def test_fast_decoder_agrees_with_the_torch_gru_it_unrolls():
    """Greedy ids are a fixed point of nn.GRU's teacher-forced argmax (same first-token mask)."""
    codec = _random_codec()
    net, codes = codec.network, torch.rand(300, 6) * 2 - 1
    codec.sample = False
    ids = torch.from_numpy(codec.decode_ids(codes))
    with torch.no_grad():
        logits = net.reconstruction_logits(codes, ids)
    logits[:, 0, ~torch.tensor(codec.vocabulary.atom_tokens())] = -float("inf")
    ends = (ids == END).float().argmax(1)
    for row in range(len(ids)):  # up to and including the end token (then padding)
        last = int(ends[row]) if (ids[row] == END).any() else ids.shape[1] - 1
        assert torch.equal(logits[row, : last + 1].argmax(-1), ids[row, : last + 1])
    assert (ids[:, 0] > END).all()


def test_sampled_tokens_follow_the_decoders_distribution_at_its_temperature():
    codec = _random_codec(1)
    code = torch.rand(1, 6) * 2 - 1
    first = torch.tensor(codec.vocabulary.atom_tokens())
    with torch.no_grad():
        logits = codec.network.reconstruction_logits(code, torch.full((1, 1), END))[0, 0]
    for temperature in (1.0, 0.5):
        expected = torch.softmax(logits.masked_fill(~first, -float("inf")) / temperature, -1)
        drawn = codec.network.decode(code.expand(20_000, -1), 1, torch.Generator().manual_seed(0), first,
                                     temperature)[:, 0]
        observed = torch.bincount(drawn, minlength=len(expected)).float() / len(drawn)
        assert (observed - expected).abs().max() < 0.015, (temperature, observed, expected)


STEER = 'max_calls = 600\n[[components]]\nkind = "mw"\nlow = 0\nhigh = 100\nwidth = 15\n'
STEER_CONFIG = (CONFIG.replace("steps = 30", "steps = 400\nlr_g = 0.001\nlr_d = 0.001\nema_decay = 0.99")
                .replace("ae_hidden = 32", "ae_hidden = 64").replace("ae_steps = 40", "ae_steps = 300\nae_lr = 0.03")
                + "steer_every = 20\nsteer_samples = 150\nsteer_share = 0.8\nsteer_elites = 64\n")


def test_training_time_steering_raises_the_objective_and_stops_at_max_calls(tmp_path, capsys):
    """Feedback GAN on a tiny budget: the steered run's samples score higher than the same
    training unsteered (QM9 molecules under 100 Da are the rare ones), and scoring stops at the
    file's max_calls, counted and printed."""
    from genforge_molecule.objectives import parse_objective
    data = tmp_path / "qm9_600.smi"
    data.write_text("".join(QM9_SAMPLE.read_text().splitlines(keepends=True)[:600]))
    (tmp_path / "steer.toml").write_text(STEER_CONFIG)
    (tmp_path / "obj.toml").write_text(STEER)
    runs = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GENFORGE_CACHE", str(tmp_path / "cache"))
        for name, extra in (("plain", []), ("steered", ["--objective", str(tmp_path / "obj.toml")])):
            assert main(["train", "molecule", "--dataset", str(data), "--config", str(tmp_path / "steer.toml"),
                         "--seed", "3", "--out", str(tmp_path / name), *extra]) == 0
            runs[name] = Run(tmp_path / name).sample(400, seed=1).smiles
    rounds = [line for line in capsys.readouterr().out.splitlines() if line.startswith("steering: step")]
    assert rounds[0].startswith("steering: step 20, round 1: scored 150")
    assert rounds[-1].endswith("scoring calls 600 of max_calls 600 (budget spent: steering stops)")
    assert all("max_calls 600" in line and "budget spent" not in line for line in rounds[:-1])
    score = parse_objective(STEER.replace("max_calls = 600", "")).score
    plain, steered = (float(np.mean(score(runs[k]).total)) for k in ("plain", "steered"))
    assert steered > plain + 0.05, (plain, steered)


def test_bad_steering_options_name_the_option(tmp_path):
    from genforge.errors import UserInputError
    from genforge_molecule.latentgan import LATENTGAN_DEFAULTS, steering_of
    objective = tmp_path / "obj.toml"
    objective.write_text(STEER)
    options = {**LATENTGAN_DEFAULTS, "objective": str(objective)}
    assert steering_of(options).objective.max_calls == 600 and steering_of(LATENTGAN_DEFAULTS) is None
    with pytest.raises(UserInputError, match="steer_every must be a positive integer, got 0"):
        steering_of({**options, "steer_every": 0})
    with pytest.raises(UserInputError, match="steer_share must be a number between 0 and 1, got 1.5"):
        steering_of({**options, "steer_share": 1.5})


def test_steering_memory_survives_a_checkpoint_and_resume(tmp_path, capsys):
    """The scored molecules, the rounds and the calls are in the checkpoint (weights-only):
    a resumed run carries on counting instead of starting the memory and the budget again."""
    from genforge import load_safe
    data = tmp_path / "qm9_300.smi"
    data.write_text("".join(QM9_SAMPLE.read_text().splitlines(keepends=True)[:300]))
    config = CONFIG.replace("steps = 30", "steps = 20") + "steer_every = 10\nsteer_samples = 40\n"
    (tmp_path / "steer.toml").write_text(config)
    (tmp_path / "obj.toml").write_text(STEER.replace("max_calls = 600", "max_calls = 1000"))
    args = ["train", "molecule", "--dataset", str(data), "--config", str(tmp_path / "steer.toml"),
            "--objective", str(tmp_path / "obj.toml"), "--out", str(tmp_path / "run")]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GENFORGE_CACHE", str(tmp_path / "cache"))
        assert main(args) == 0
        first = [line for line in capsys.readouterr().out.splitlines() if line.startswith("steering: step")]
        saved = load_safe(sorted((tmp_path / "run" / "checkpoints").glob("*.pt"))[-1], tag=None)
        assert main([*args, "--steps", "30", "--resume"]) == 0
        resumed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("steering: step")]
    calls = int(first[-1].split("scoring calls ")[1].split()[0])
    assert [line.split(":")[1].strip() for line in first] == ["step 10, round 1", "step 20, round 2"]
    assert resumed[0].startswith("steering: step 30, round 3:")
    assert int(resumed[0].split("scoring calls ")[1].split()[0]) > calls > 10
    memory = json.loads(bytes(saved["model"]["_extra_state"].numpy()).decode())
    assert memory["rounds"] == 2 and memory["calls"] == calls and len(memory["memory"]) == calls
