"""genforge's image domain: class-conditional DCGAN-style GANs with offline quality metrics."""
from __future__ import annotations

__all__ = ["ImageGAN", "ImageSamples", "ImageSchema", "ImageSet"]


def __getattr__(name: str):  # lazy: the plugin module loads without scikit-learn's estimator machinery
    if name == "ImageGAN":
        from genforge_image.estimator import ImageGAN
        return ImageGAN
    if name == "ImageSet":
        from genforge_image.loading import ImageSet
        return ImageSet
    if name in ("ImageSamples", "ImageSchema"):
        from genforge_image import samples
        return getattr(samples, name)
    raise AttributeError(name)
