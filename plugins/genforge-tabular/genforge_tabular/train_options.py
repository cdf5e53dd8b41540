"""``genforge train tabular``'s own options: the CLI spelling of ``TabularGAN``'s parameters
(``--target``, ``--constraints``, ``--privacy``, ``--threads``), turned into config overrides."""
from __future__ import annotations

from typing import Any

from genforge_tabular.threads import use_threads

THREADS_HELP = ("torch CPU threads (default: GENFORGE_THREADS, else 1 on machines with <= 2 cores, half the "
                "cores up to 8 on larger ones; more threads on a busy 2-core machine were 7x slower)")


def add_threads_argument(parser: Any) -> None:
    parser.add_argument("--threads", metavar="N", help=THREADS_HELP)


def add_train_arguments(parser: Any) -> None:
    parser.add_argument("--target", metavar="COLUMN", help="the class column (shorthand for "
                        "--dataset-option target=COLUMN): conditioned on more often, used by the metrics")
    parser.add_argument("--constraints", metavar="RULES.toml",
                        help="a TOML file of [[constraints]] tables every sampled row obeys (kinds: inequality, "
                             "range, positive, negative, fixed_combinations, one_hot, formula, predicate); saved "
                             "with the model, so `genforge sample` obeys them; default: none")
    parser.add_argument("--privacy", metavar="epsilon=E[,delta=D]",
                        help="train with differential privacy (DP-SGD critic, private column statistics) and "
                             "the engine settings it needs (non-saturating loss, pac 1, fp32); default: off")
    add_threads_argument(parser)


def train_overrides(args: Any) -> dict[str, Any]:
    """Config overrides from the options above; sets torch's thread count for this process."""
    use_threads(getattr(args, "threads", None))
    dataset = {key: getattr(args, key, None) for key in ("target", "constraints", "privacy")}
    options = {k: v for k, v in dataset.items() if v is not None}
    overrides: dict[str, Any] = {"dataset_options": options} if options else {}
    if dataset["privacy"] is not None:
        from genforge_tabular.privacy.private_model import PRIVATE_TRAINING_CONFIG
        overrides.update(PRIVATE_TRAINING_CONFIG)  # the model itself trains unpacked (private_options)
    return overrides
