"""genforge-text: short texts (one per line) generated character by character.

Written only against genforge's public API (``genforge``, ``genforge.testing``).
"""
