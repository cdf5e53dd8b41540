"""Optional Inception-v3 features from a file the user supplies (nothing is downloaded).

Set ``GENFORGE_INCEPTION_WEIGHTS=PATH`` (this registers the ``inception_fid`` and
``inception_kid`` metrics; the dataset option ``inception_weights`` picks another
file for one run). PATH is a TorchScript Inception-v3
feature extractor, for example the ``inception-2015-12-05.pt`` detector of
NVIDIA's stylegan2-ada-pytorch / StyleGAN3 metrics (the standard TF-FID network;
called as ``net(images, return_features=True)`` on uint8 N x 3 x H x W and
resizing to 299 itself). A module without ``return_features`` is called as
``net(x)`` on float images in [0, 1] resized to 299 x 299 and must return
N x D features (e.g. 2048 pool features). Grayscale images are repeated to 3 channels.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from genforge.errors import UserInputError


@lru_cache(maxsize=2)
def load_extractor(path: str) -> torch.jit.ScriptModule:
    file = Path(path)
    if not file.is_file():
        raise UserInputError(f"{file}: Inception-v3 weights file not found (dataset option inception_weights)")
    try:
        return torch.jit.load(str(file), map_location="cpu").eval()
    except (RuntimeError, ValueError) as exc:
        raise UserInputError(f"{file}: not a TorchScript Inception-v3 feature extractor "
                             f"({str(exc).splitlines()[0]})") from None


@torch.no_grad()
def inception_features(path: str, images: np.ndarray, chunk: int = 64) -> np.ndarray:
    net = load_extractor(str(path))
    out = []
    for start in range(0, len(images), chunk):
        x = torch.as_tensor(np.ascontiguousarray(images[start:start + chunk])).permute(0, 3, 1, 2)
        if x.shape[1] == 1:
            x = x.repeat(1, 3, 1, 1)
        try:
            feats = net(x, return_features=True)
        except (RuntimeError, TypeError):
            x = F.interpolate(x.float() / 255.0, size=(299, 299), mode="bilinear", align_corners=False)
            feats = net(x)
        out.append(feats.reshape(len(x), -1).double().numpy())
    return np.concatenate(out)
