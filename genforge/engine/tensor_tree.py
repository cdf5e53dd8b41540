"""Generator outputs and real batches are a tensor or a tuple/list/dict of tensors."""
from __future__ import annotations

from typing import Any, Callable

import torch


def tree_map(fn: Callable[..., Any], tree: Any, *others: Any) -> Any:
    """Apply ``fn`` leaf-wise to one tree (or several of the same structure)."""
    if tree is None:
        return None
    if isinstance(tree, torch.Tensor):
        return fn(tree, *others)
    if isinstance(tree, dict):
        return {k: tree_map(fn, v, *(o[k] for o in others)) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return type(tree)(tree_map(fn, v, *(o[i] for o in others)) for i, v in enumerate(tree))
    raise TypeError(f"expected a tensor or a tuple/list/dict of tensors, got {type(tree).__name__}")


def tree_leaves(tree: Any) -> list[torch.Tensor]:
    out: list[torch.Tensor] = []
    tree_map(out.append, tree)
    return out


def tree_cat(trees: list[Any]) -> Any:
    """Concatenate trees of identical structure along the batch dimension."""
    return tree_map(lambda *xs: torch.cat(xs), trees[0], *trees[1:])


def tree_split(tree: Any, sizes: list[int]) -> list[Any]:
    parts = tree_map(lambda x: x.split(sizes), tree)
    return [tree_map(lambda p, _i=i: p[_i], parts) for i in range(len(sizes))]


def tree_to(tree: Any, device: torch.device) -> Any:
    return tree_map(lambda x: x.to(device, non_blocking=True), tree)


def batch_size(tree: Any) -> int:
    return tree_leaves(tree)[0].shape[0]
