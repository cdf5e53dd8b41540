"""Differential privacy for tabular GANs: the hybrid (``mechanism=mst``, the default: MST's noisy
marginals, the GAN trained on the graphical model's rows, ``hybrid.py``), DP-SGD on the critic
(``mechanism=dpsgd``, Opacus) with private column statistics, a privacy ledger, and privacy
attacks for the evaluation.

Use the ``privacy`` dataset option (``--dataset-option privacy=epsilon=3,delta=1e-6``) with the
engine settings of :data:`private_model.PRIVATE_TRAINING_CONFIG`.
"""
from genforge_tabular.privacy.budget import PrivacyLedger, PrivacySpec
from genforge_tabular.privacy.private_model import PRIVATE_TRAINING_CONFIG

__all__ = ["PRIVATE_TRAINING_CONFIG", "PrivacyLedger", "PrivacySpec"]
