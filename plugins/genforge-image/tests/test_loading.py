"""Image loaders: folders, arrays, digits, sizes, and every kind of bad input."""
import numpy as np
import pytest
from PIL import Image

from genforge.errors import UserInputError
from genforge_image.loading import fit_size, load_arrays, load_digits, load_folder, target_side


def _png(path, size=(16, 16), mode="L", value=128):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, value if mode == "L" else (value, 0, 0)).save(path)


def test_digits_is_the_bundled_labelled_set():
    ds = load_digits(None, {})
    assert ds.images.shape == (1797, 8, 8, 1) and ds.images.dtype == np.uint8
    assert ds.images.max() == 255 and ds.class_names == [str(d) for d in range(10)]
    assert np.bincount(ds.labels).min() > 170


def test_folder_with_class_subfolders_gives_labels_and_reports_non_images(tmp_path):
    for i in range(3):
        _png(tmp_path / "cat" / f"{i}.png", value=10 * i)
        _png(tmp_path / "dog" / f"{i}.png", value=200)
    (tmp_path / "dog" / "notes.txt").write_text("hi")
    ds = load_folder(tmp_path, {})
    assert ds.images.shape == (6, 16, 16, 1)
    assert ds.class_names == ["cat", "dog"] and ds.labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert ds.report.used == 6 and ds.report.total == 7
    assert ds.report.skipped == {next(iter(ds.report.skipped)): 1}
    assert "notes.txt" in ds.report.lines()[1]


def test_flat_rgb_folder_is_unlabelled_and_alpha_is_dropped(tmp_path):
    for i in range(2):
        Image.new("RGBA", (32, 32), (255, 0, 0, 10)).save(tmp_path / f"{i}.png")
    ds = load_folder(tmp_path, {})
    assert ds.labels is None and ds.images.shape == (2, 32, 32, 3)
    assert ds.images[0, 0, 0].tolist() == [255, 0, 0]


@pytest.mark.parametrize("case, message", [
    ("empty", "no images found"),
    ("mixed_sizes", "mixed sizes"),
    ("corrupt", "corrupt or unreadable"),
    ("channel_mix", "grayscale/RGB mix"),
])
def test_bad_folders_name_the_file(tmp_path, case, message):
    (tmp_path / "readme.txt").write_text("x")
    if case != "empty":
        for i in range(3):
            _png(tmp_path / f"ok{i}.png")
    bad = tmp_path / "bad.png"
    if case == "mixed_sizes":
        _png(bad, size=(32, 32))
    elif case == "corrupt":
        bad.write_bytes(b"\x89PNG\r\n\x1a\nthis is not a png")
    elif case == "channel_mix":
        _png(bad, mode="RGB")
    with pytest.raises(UserInputError, match=message) as info:
        load_folder(tmp_path, {})
    assert (str(tmp_path) if case == "empty" else "bad.png") in str(info.value)


def test_skip_bad_counts_every_skipped_file(tmp_path):
    for i in range(3):
        _png(tmp_path / f"ok{i}.png")
    _png(tmp_path / "big.png", size=(32, 32))
    (tmp_path / "broken.png").write_bytes(b"garbage")
    ds = load_folder(tmp_path, {"skip_bad": True})
    assert len(ds.images) == 3 and ds.report.used == 3 and ds.report.total == 5
    assert sorted(ds.report.skipped.values()) == [1, 1]
    assert any("broken.png" in line for line in ds.report.lines())


def test_size_option_resizes_mixed_sizes(tmp_path):
    _png(tmp_path / "a.png", size=(20, 20))
    _png(tmp_path / "b.png", size=(40, 40))
    assert load_folder(tmp_path, {"size": 16}).images.shape == (2, 16, 16, 1)


def test_npz_with_labels_and_npy_without(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (12, 3, 16, 16)).astype(np.uint8)  # N x C x H x W
    np.savez(tmp_path / "d.npz", images=images, labels=np.array(["b", "a"] * 6))
    ds = load_arrays(tmp_path / "d.npz", {})
    assert ds.images.shape == (12, 16, 16, 3) and ds.class_names == ["a", "b"]
    assert ds.labels[:2].tolist() == [1, 0]
    assert np.array_equal(ds.images, images.transpose(0, 2, 3, 1))
    np.save(tmp_path / "d.npy", np.random.default_rng(0).random((5, 8, 8)))  # floats in [0, 1]
    ds = load_arrays(tmp_path / "d.npy", {})
    assert ds.labels is None and ds.images.shape == (5, 8, 8, 1) and ds.images.dtype == np.uint8


def test_bad_arrays_name_the_file(tmp_path):
    np.savez(tmp_path / "x.npz", pixels=np.zeros((4, 8, 8)))
    with pytest.raises(UserInputError, match=r"x\.npz: no array named 'images' \(found: pixels\)"):
        load_arrays(tmp_path / "x.npz", {})
    np.savez(tmp_path / "y.npz", images=np.zeros((4, 8, 8)), labels=np.zeros(3))
    with pytest.raises(UserInputError, match=r"y\.npz.*3 labels for 4 images"):
        load_arrays(tmp_path / "y.npz", {})
    np.save(tmp_path / "z.npy", np.full((4, 8, 8), 300.0))
    with pytest.raises(UserInputError, match=r"z\.npy: pixel values span"):
        load_arrays(tmp_path / "z.npy", {})
    (tmp_path / "w.npz").write_bytes(b"nope")
    with pytest.raises(UserInputError, match=r"w\.npz: not a readable NumPy file"):
        load_arrays(tmp_path / "w.npz", {})


def test_sizes_are_padded_or_resized_to_a_power_of_two():
    assert [target_side(h, w) for h, w in [(5, 5), (8, 8), (28, 28), (20, 30), (64, 64), (300, 200)]] == \
        [8, 8, 32, 32, 64, 128]
    imgs = np.full((2, 28, 28, 1), 7, np.uint8)
    imgs[:, 5:20, 5:20] = 250
    padded = fit_size(imgs)
    assert padded.shape == (2, 32, 32, 1)
    assert padded[0, 0, 0, 0] == 7 and np.array_equal(padded[:, 2:30, 2:30], imgs)  # centred, border colour
    assert fit_size(np.zeros((1, 200, 200, 3), np.uint8)).shape == (1, 128, 128, 3)
    with pytest.raises(UserInputError, match="power of two"):
        fit_size(imgs, size=20)
