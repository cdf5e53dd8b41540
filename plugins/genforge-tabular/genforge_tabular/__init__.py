"""genforge tabular plugin: synthetic tables and training-set augmentation with a conditional GAN."""
from genforge_tabular.estimator import TabularGAN

__all__ = ["TabularGAN", "GANOverSampler"]


def __getattr__(name):
    if name == "GANOverSampler":  # imbalanced-learn is imported only when asked for
        from genforge_tabular.oversampler import GANOverSampler
        return GANOverSampler
    raise AttributeError(name)
