"""Train, sample and evaluate through the ``genforge`` CLI."""
import json

import numpy as np
from PIL import Image

from genforge.cli import main


def test_training_writes_checkpoint_grid_and_metrics(tiny_run):
    assert list((tiny_run / "checkpoints").glob("step-*.pt"))
    grid = Image.open(tiny_run / "samples" / "step-000030.png")
    assert grid.width > 400 and grid.height > 400  # 10 class rows of 10 upscaled tiles
    final = np.load(tiny_run / "samples" / "final.npz")
    assert final["images"].shape == (200, 8, 8, 1) and final["images"].dtype == np.uint8
    assert np.bincount(final["labels"]).tolist() == [20] * 10
    assert final["class_names"].tolist() == [str(d) for d in range(10)]


def test_sample_npz_is_reproducible_and_balanced(tiny_run, tmp_path):
    assert main(["sample", str(tiny_run), "-n", "30", "--seed", "5", "--out", str(tmp_path / "a.npz")]) == 0
    assert main(["sample", str(tiny_run), "-n", "30", "--seed", "5", "--out", str(tmp_path / "b.npz")]) == 0
    a, b = np.load(tmp_path / "a.npz"), np.load(tmp_path / "b.npz")
    assert a["images"].shape == (30, 8, 8, 1) and np.array_equal(a["images"], b["images"])
    assert np.bincount(a["labels"], minlength=10).tolist() == [3] * 10


def test_sample_with_condition_to_folder_and_grid(tiny_run, tmp_path):
    out = tmp_path / "pngs"
    assert main(["sample", str(tiny_run), "-n", "7", "--condition", "label=3", "--out", f"{out}/"]) == 0
    files = sorted(p.name for p in out.iterdir())
    assert files == [f"{i:06d}_3.png" for i in range(7)]
    assert Image.open(out / files[0]).size == (8, 8)
    assert main(["sample", str(tiny_run), "-n", "40", "--out", str(tmp_path / "grid.png")]) == 0
    assert Image.open(tmp_path / "grid.png").mode == "RGB"
    assert main(["sample", str(tiny_run), "-n", "5", "--condition", "label=7",
                 "--out", str(tmp_path / "s.npz")]) == 0
    assert np.load(tmp_path / "s.npz")["labels"].tolist() == [7] * 5


def test_bad_condition_and_output_exit_2(tiny_run, tmp_path, capsys):
    assert main(["sample", str(tiny_run), "-n", "5", "--condition", "label=eleven",
                 "--out", str(tmp_path / "x.npz")]) == 2
    assert "label 'eleven' is not a class" in capsys.readouterr().err
    assert main(["sample", str(tiny_run), "-n", "5", "--condition", "colour=red",
                 "--out", str(tmp_path / "x.npz")]) == 2
    assert main(["sample", str(tiny_run), "-n", "5", "--out", str(tmp_path / "x.jpg")]) == 2
    assert ".npz (arrays), .png" in capsys.readouterr().err


def test_evaluate_reports_metrics_with_real_references(tiny_run, capsys):
    assert main(["evaluate", str(tiny_run), "-n", "200", "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)["metrics"]
    for name in ("classifier_fid", "kid", "precision", "recall", "density", "coverage",
                 "classifier_score", "class_accuracy", "cas"):
        assert name in metrics and f"{name}_real" in metrics
    # real-vs-real is what a perfect generator reaches; 30 steps of training is far from it
    assert metrics["classifier_fid_real"] < metrics["classifier_fid"]
    assert metrics["precision_real"] > 0.6 and metrics["recall_real"] > 0.6
    assert metrics["class_accuracy_real"] > 0.6 and metrics["cas_real"] > 0.6
    assert "inception_fid" not in metrics  # only with user-supplied Inception weights


def test_folder_dataset_trains_and_bad_folder_exits_2(tmp_path, capsys, cache):
    for i in range(12):
        (tmp_path / "data" / ("a" if i % 2 else "b")).mkdir(parents=True, exist_ok=True)
        Image.new("L", (8, 8), 20 * i).save(tmp_path / "data" / ("a" if i % 2 else "b") / f"{i}.png")
    (tmp_path / "empty").mkdir()
    assert main(["train", "image", "--dataset", str(tmp_path / "empty"), "--steps", "2",
                 "--out", str(tmp_path / "r0")]) == 2
    assert "no images found" in capsys.readouterr().err
