"""genforge-text: short texts (one per line) generated character by character.

Written only against genforge's public API (``genforge``, ``genforge.testing``).
"""

__all__ = ["TextGAN"]


def __getattr__(name: str):  # lazy: the plugin module loads without scikit-learn
    if name == "TextGAN":
        from genforge_text.estimator import TextGAN
        return TextGAN
    raise AttributeError(name)
