"""Output faults on every domain: --out a directory, under a file, in a read-only folder, on a full
disk. Each ends in exit 2 with "cannot write PATH: reason"; an existing file is never truncated
and no partial file is left behind."""
from __future__ import annotations

import os

import pytest

from fault_kit import DOMAINS, TINY, one_clear_line, run_cli, tiny_train, tmpfs


def suffix(domain: str) -> str:
    return TINY[domain][1]


@pytest.mark.parametrize("domain", DOMAINS)
def test_out_naming_a_directory_or_a_path_under_a_file(domain, tiny_runs, tmp_path):
    run = tiny_runs[domain]
    if domain != "image":  # a folder is a valid image output (one PNG each)
        (tmp_path / "folder").mkdir()
        one_clear_line(run_cli("sample", run, "-n", 5, "--out", tmp_path / "folder"),
                       "cannot write", "it is a directory")
    (tmp_path / "plain-file").write_text("x")
    one_clear_line(run_cli("sample", run, "-n", 5, "--out", tmp_path / "plain-file" / f"s{suffix(domain)}"),
                   "cannot write", "is a file, not a folder")


@pytest.mark.parametrize("domain", DOMAINS)
def test_device_that_is_full(domain, tiny_runs):
    if not os.path.exists("/dev/full"):
        pytest.skip("this platform has no /dev/full")
    # a suffix-less device: the writer picks the format from the domain (no suffix -> refused or written)
    done = run_cli("sample", tiny_runs[domain], "-n", 200, "--out", "/dev/full")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr


@pytest.mark.parametrize("domain", DOMAINS)
def test_full_disk_keeps_the_existing_file_and_leaves_no_partial(domain, tiny_runs, tmp_path):
    disk = tmp_path / "disk"
    with tmpfs(disk, "size=256k"):
        target = disk / f"samples{suffix(domain)}"
        target.write_bytes(b"the previous samples\n")
        filler = disk / "filler"
        with open(filler, "wb", buffering=0) as handle:
            try:
                while True:
                    handle.write(b"\0" * 4096)
                    handle.flush()
            except OSError:
                pass
        os.truncate(filler, max(0, filler.stat().st_size - 8192))  # 8 KiB left: too little for 3,000 samples
        done = run_cli("sample", tiny_runs[domain], "-n", 3000, "--out", target)
        one_clear_line(done, f"cannot write {target}", "no space left")
        assert target.read_bytes() == b"the previous samples\n"
        assert sorted(p.name for p in disk.iterdir()) == ["filler", target.name]


@pytest.mark.parametrize("domain", DOMAINS)
def test_read_only_folder_for_sample_and_train(domain, tiny_runs, tmp_path):
    folder = tmp_path / "ro"
    with tmpfs(folder, "ro,size=64k"):
        one_clear_line(run_cli("sample", tiny_runs[domain], "-n", 5, "--out", folder / f"s{suffix(domain)}"),
                       "cannot write", "read-only")
        one_clear_line(tiny_train(domain, folder / "run", "--quiet"), "read-only")


def test_sigterm_while_writing_leaves_no_partial_file(tmp_path):
    """A scheduler's or ``kill``'s SIGTERM stops ``sample`` like Ctrl-C: the half-written output is
    removed, nothing that looks complete is left, the exit status is 143 and one line says why."""
    import signal
    import subprocess
    import sys
    import time

    run = tmp_path / "run"
    assert tiny_train("mixture", run, "--quiet").returncode == 0
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "GENFORGE_PROGRESS": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "genforge.cli", "sample", str(run), "-n", "50000000",
                             "--out", str(out / "big.csv")], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not any(".partial" in p.name for p in out.iterdir()):
        time.sleep(0.05)
    assert proc.poll() is None and any(".partial" in p.name for p in out.iterdir()), "no partial file to stop"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err[-2000:]
    assert err.strip().splitlines()[-1] == "terminated" and "Traceback" not in err
    assert list(out.iterdir()) == []
