import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


@pytest.fixture
def smi_file(tmp_path):
    """Five good molecules and every kind of bad line the loader must count."""
    lines = ["CCO ethanol", "c1ccccc1 benzene", "CC(=O)N", "C1CC1", "OC#N", "",
             "C1CC", "[Na+].[Cl-]", "CCO.O", "C[N+](C)(C)C", "CC[SiH](C)C", "CCCCCCCCCCCC"]
    path = tmp_path / "mols.smi"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
