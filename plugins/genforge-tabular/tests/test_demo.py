import re

import pandas as pd

from genforge_tabular.demo import run_demo


def test_demo_writes_a_run_folder_with_plots_and_a_balanced_table(tmp_path):
    # the demo's steps on the small penguins table (the demo itself: actg175, 150 epochs)
    lines = run_demo(tmp_path, seed=0, epochs=1, eval_samples=200, dataset="penguins")
    assert re.match(r"penguins \(344 rows, 8 columns, target 'species'\): \d+ steps \(1 epochs\) in \d+s; "
                    r"quality 0\.\d+, detection_gb 0\.\d+, tstr_macro_f1 0\.\d+$", lines[0]), lines[0]
    run = tmp_path / "penguins"
    assert (run / "config.json").is_file()
    for name in ("columns.png", "correlation_difference.png"):
        assert (run / name).stat().st_size > 1000, name
    table = pd.read_csv(tmp_path / "penguins_balanced.csv")
    real, synthetic = table[table.synthetic == 0], table[table.synthetic == 1]
    assert len(real) == 344 and set(synthetic.species) == {"Chinstrap", "Gentoo"}
    assert table.species.value_counts().nunique() == 1  # every class as large as the majority
    assert f"plus {len(synthetic)} synthetic rows" in lines[-1]
