"""The image domain's schema and decoded samples."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch


@dataclass
class ImageSchema:
    """Square side, channels (1 or 3) and class names (empty: unconditional)."""

    size: int
    channels: int
    class_names: list[str] = field(default_factory=list)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def to_state(self) -> dict[str, Any]:
        return {"size": self.size, "channels": self.channels, "class_names": list(self.class_names)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "ImageSchema":
        return cls(int(state["size"]), int(state["channels"]), [str(c) for c in state.get("class_names", [])])

    def label_index(self, value: str) -> int:
        """A class name (or its index) -> class index; raises UserInputError when unknown."""
        from genforge.errors import UserInputError

        if not self.class_names:
            raise UserInputError("this image model is unconditional: it takes no label")
        if value in self.class_names:
            return self.class_names.index(value)
        if value.lstrip("-").isdigit() and 0 <= int(value) < self.num_classes:
            return int(value)
        raise UserInputError(f"label {value!r} is not a class of this model; classes: "
                             f"{', '.join(self.class_names)} (or indices 0..{self.num_classes - 1})")


@dataclass(eq=False)
class ImageSamples:
    """``uint8`` images N x H x W x C, the class index each was generated for (or ``None``)
    and the class names; ``cache`` holds results shared by the metrics (classifier features).
    """

    images: torch.Tensor
    labels: torch.Tensor | None = None
    class_names: list[str] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.images)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ImageSamples):
            return NotImplemented
        same_labels = (self.labels is None and other.labels is None) or (
            self.labels is not None and other.labels is not None and torch.equal(self.labels, other.labels))
        return torch.equal(self.images, other.images) and same_labels and self.class_names == other.class_names

    __hash__ = None

    @property
    def numpy_images(self) -> np.ndarray:
        return self.images.numpy()

    @property
    def numpy_labels(self) -> np.ndarray | None:
        return None if self.labels is None else self.labels.numpy()

    @classmethod
    def concat(cls, parts: list["ImageSamples"]) -> "ImageSamples":
        labels = None if parts[0].labels is None else torch.cat([p.labels for p in parts])
        return cls(torch.cat([p.images for p in parts]), labels, list(parts[0].class_names))


def to_uint8(output: torch.Tensor) -> torch.Tensor:
    """Generator output in [-1, 1], N x C x H x W -> uint8 N x H x W x C."""
    return output.detach().float().clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8).permute(0, 2, 3, 1).contiguous()


def to_training(images: np.ndarray) -> torch.Tensor:
    """uint8 N x H x W x C -> float N x C x H x W in [-1, 1] (the generator's range)."""
    return torch.as_tensor(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div(127.5).sub(1.0).contiguous()
