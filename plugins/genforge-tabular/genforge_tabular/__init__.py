"""genforge tabular plugin: synthetic tables and training-set augmentation with a conditional GAN.

``TabularGAN`` and ``GANOverSampler`` are imported when first asked for: the plugin's
registration (every ``genforge`` command) then needs neither scikit-learn nor imbalanced-learn,
which is most of a cold ``genforge sample``'s start.
"""

__all__ = ["TabularGAN", "GANOverSampler"]


def __getattr__(name):
    if name == "TabularGAN":
        from genforge_tabular.estimator import TabularGAN
        return TabularGAN
    if name == "GANOverSampler":
        from genforge_tabular.oversampler import GANOverSampler
        return GANOverSampler
    raise AttributeError(name)
