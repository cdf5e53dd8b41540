"""genforge plugin entry point: the tabular domain, its datasets, model, metrics and command."""
from __future__ import annotations

from functools import partial
from pathlib import Path

from genforge.domain import DatasetSpec, MetricSpec, ModelSpec
from genforge.hookspecs import hookimpl
from genforge_tabular import metrics as m
from genforge_tabular.bundled import BUNDLED, load_bundled, load_file
from genforge_tabular.domain import TabularDomain
from genforge_tabular.networks import build_tabular_gan
from genforge_tabular.privacy import attacks
from genforge_tabular.privacy.reporting import on_train_end  # noqa: F401  (a hook implementation)
from genforge_tabular.reading import CSV_SUFFIXES, PARQUET_SUFFIXES
from genforge_tabular.report_section import register_report_sections, report_reference  # noqa: F401  (report hooks)



class TabularDomainWithDemo(TabularDomain):
    """The registered domain: :class:`TabularDomain` plus ``genforge demo`` (``demo.py``: a run
    folder and a balanced table; kept here so that ``domain.py`` never imports ``augment.py``)."""

    def demo(self, out_dir: Path, seed: int) -> list[str]:
        from genforge_tabular.demo import run_demo
        return run_demo(Path(out_dir), seed)


_DOMAIN = TabularDomainWithDemo()


MODEL_DEFAULTS = {"latent_dim": 128, "generator_dims": [128, 128], "critic_dims": [128, 128],
                  "dropout": 0.5, "gumbel_tau": 0.2, "gumbel_hard": True, "condition_weight": 1.0, "pac": 5,
                  "classifier_weight": 0.5}

METRICS = [
    ("quality", m.quality, True, (0, 1), "SDMetrics-style overall quality: mean of column shapes and pair trends"),
    ("column_shapes", m.column_shapes, True, (0, 1), "mean KSComplement (numeric) / TVComplement (categorical)"),
    ("column_pair_trends", m.column_pair_trends, True, (0, 1),
     "mean CorrelationSimilarity (numeric pairs) / ContingencySimilarity (other pairs)"),
    ("detection_logistic", partial(m.detection_auc, model="logistic"), False, (0, 1),
     "ROC AUC of logistic regression telling real from synthetic (3-fold CV; 0.5 is best)"),
    ("detection_gb", partial(m.detection_auc, model="gb"), False, (0, 1),
     "ROC AUC of gradient boosting telling real from synthetic (3-fold CV; 0.5 is best)"),
    ("tstr_macro_f1", m.tstr_macro_f1, True, (0, 1), "train on synthetic, test on real: macro-F1 of the target"),
    ("efficacy_gap", m.efficacy_gap, False, (-1, 1), "macro-F1 train-on-real minus train-on-synthetic"),
    ("uplift_minority_f1", m.augmentation_uplift, True, (-1, 1),
     "minority-class F1 of real+synthetic training minus real only"),
    ("uplift_balanced_accuracy", partial(m.augmentation_uplift, key="balanced_accuracy"), True, (-1, 1),
     "balanced accuracy of real+synthetic training minus real only"),
    ("exact_copies", m.exact_copies, False, (0, 1), "share of synthetic rows identical to a training row"),
    ("dcr_protection", m.dcr_overfitting_protection, True, (0, 1),
     "SDMetrics DCROverfittingProtection: 2 x share of rows closer to hold-out than training, capped at 1"),
    ("dcr_ratio", attacks.dcr_ratio, True, (0, float("inf")),
     "median distance to the closest training row, synthetic over hold-out rows (< 1: memorisation)"),
    ("nndr_ratio", attacks.nndr_ratio, True, (0, float("inf")),
     "nearest-neighbour distance ratio to the training rows, synthetic over hold-out rows (< 1: memorisation)"),
    ("mia_auc", attacks.domias_auc, False, (0, 1),
     "DOMIAS membership inference: AUC telling training rows from hold-out rows (0.5 is best)"),
]


@hookimpl
def register_domains(register):
    register(_DOMAIN)


@hookimpl
def register_datasets(register):
    for name, (_, _, description) in BUNDLED.items():
        register(DatasetSpec(name, "tabular", lambda source, options, _n=name: load_bundled(_n, options),
                             description, sample_options={"rows": 120}))
    register(DatasetSpec("table-file", "tabular", load_file, "a CSV or Parquet file (--dataset data.csv)",
                         suffixes=CSV_SUFFIXES + PARQUET_SUFFIXES))


@hookimpl
def register_models(register):
    register(ModelSpec("ctgan-residual", "tabular", build_tabular_gan,
                       "conditional residual generator + packed WGAN-GP critic (CTGAN design)",
                       defaults=dict(MODEL_DEFAULTS),
                       sample_options={"latent_dim": 8, "generator_dims": [16], "critic_dims": [16]}))


@hookimpl
def register_metrics(register):
    for name, fn, higher, bounds, description in METRICS:
        register(MetricSpec(name, "tabular", partial(_unless_no_reference, fn), higher, bounds, description))


def _unless_no_reference(fn, samples, reference) -> float:
    """NaN when training ran without reference data (``TabularGAN(evaluate=False)``)."""
    return float("nan") if reference is None else fn(samples, reference)


@hookimpl
def register_commands(register):
    from genforge_tabular.augment import AUGMENT_COMMAND
    register(AUGMENT_COMMAND)
