"""``genforge train tabular``'s own options: the CLI spelling of ``TabularGAN``'s parameters
(``--target``, ``--constraints``, ``--privacy``), turned into config overrides (``--threads`` is
the core command's, :mod:`genforge.threads`)."""
from __future__ import annotations

from typing import Any


def add_train_arguments(parser: Any) -> None:
    parser.add_argument("--target", metavar="COLUMN", help="the class column (shorthand for "
                        "--dataset-option target=COLUMN): conditioned on more often, used by the metrics")
    parser.add_argument("--constraints", metavar="RULES.toml",
                        help="a TOML file of [[constraints]] tables every sampled row obeys (kinds: inequality, "
                             "range, positive, negative, fixed_combinations, one_hot, formula, predicate); saved "
                             "with the model, so `genforge sample` obeys them; default: none")
    parser.add_argument("--privacy", metavar="epsilon=E[,delta=D]",
                        help="train with differential privacy: mechanism=mst (default) spends the budget on MST's "
                             "noisy marginals and trains the GAN on rows of the model fitted to them; mechanism=dpsgd "
                             "trains the critic by DP-SGD on private column statistics; with the engine settings "
                             "DP-SGD needs (non-saturating loss, pac 1, fp32); default: off")


def train_overrides(args: Any) -> dict[str, Any]:
    """Config overrides from the options above."""
    dataset = {key: getattr(args, key, None) for key in ("target", "constraints", "privacy")}
    options = {k: v for k, v in dataset.items() if v is not None}
    overrides: dict[str, Any] = {"dataset_options": options} if options else {}
    if dataset["privacy"] is not None:
        from genforge_tabular.privacy.private_model import PRIVATE_TRAINING_CONFIG
        overrides.update(PRIVATE_TRAINING_CONFIG)
        if not any(str(o).split("=", 1)[0].strip() == "pac" for o in getattr(args, "option", None) or []):
            # unpacked, as TabularGAN(epsilon=...) trains it, written into the run's config (DP-SGD
            # refuses packing; the hybrid: pac 1 above pac 5 at eps 3, privacy/README.md)
            overrides["model_options"] = {"pac": 1}
    return overrides
