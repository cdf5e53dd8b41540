"""Detects the classic GAN failures from the trainer's running signals.

* vanishing generator gradients: D tells real from fake almost perfectly and
  G's gradient norm is near zero for a sustained window;
* mode collapse: the domain's diversity signal falls well below the real
  data's, or keeps falling over evaluations.

Each warning names the remedies genforge offers.
"""
from __future__ import annotations

from dataclasses import dataclass, field

VANISHING_REMEDIES = ("use the non-saturating loss (--loss non-saturating) or wgan-gp/hinge, "
                      "lower the discriminator learning rate (lr_d), add R1 (r1_weight) "
                      "or spectral norm in D")
COLLAPSE_REMEDIES = ("pack the discriminator (pac = 4 or more), use wgan-gp, add R1 "
                     "(r1_weight), lower lr_d, or raise the generator EMA (ema_decay)")


@dataclass
class Diagnostics:
    window: int = 50
    accuracy_threshold: float = 0.99
    grad_norm_threshold: float = 1e-3
    collapse_ratio: float = 0.5
    _d_acc: float = 0.5
    _g_norm: float = 1.0
    _seen: int = 0
    _diversity: list[float] = field(default_factory=list)
    active: set[str] = field(default_factory=set)

    def observe_step(self, d_real_acc: float, d_fake_acc: float, grad_norm_g: float) -> str | None:
        """Update running averages; return a warning when gradients vanish."""
        alpha = 1.0 / min(self._seen + 1, self.window)
        self._seen += 1
        self._d_acc += alpha * (0.5 * (d_real_acc + d_fake_acc) - self._d_acc)
        self._g_norm += alpha * (grad_norm_g - self._g_norm)
        vanishing = (self._seen >= self.window and self._d_acc >= self.accuracy_threshold
                     and self._g_norm <= self.grad_norm_threshold)
        return self._flag("vanishing", vanishing,
                          f"vanishing generator gradients: D accuracy {self._d_acc:.3f}, "
                          f"G gradient norm {self._g_norm:.2e}. Remedies: {VANISHING_REMEDIES}")

    def observe_diversity(self, value: float, reference: float | None) -> str | None:
        """Return a warning when diversity collapses against real data or its own past."""
        self._diversity.append(value)
        best = max(self._diversity)
        low_vs_real = reference is not None and reference > 0 and value < self.collapse_ratio * reference
        falling = len(self._diversity) >= 3 and best > 0 and value < self.collapse_ratio * best
        detail = f"diversity {value:.4g}" + (f" vs real data {reference:.4g}" if reference else "") + \
                 (f", best so far {best:.4g}" if falling else "")
        return self._flag("collapse", low_vs_real or falling,
                          f"possible mode collapse: {detail}. Remedies: {COLLAPSE_REMEDIES}")

    def _flag(self, kind: str, on: bool, message: str) -> str | None:
        if on and kind not in self.active:
            self.active.add(kind)
            return message
        if not on:
            self.active.discard(kind)
        return None

    def state_dict(self) -> dict:
        return {"d_acc": self._d_acc, "g_norm": self._g_norm, "seen": self._seen,
                "diversity": list(self._diversity), "active": sorted(self.active)}

    def load_state_dict(self, state: dict) -> None:
        self._d_acc, self._g_norm, self._seen = state["d_acc"], state["g_norm"], state["seen"]
        self._diversity, self.active = list(state["diversity"]), set(state["active"])


def run_length_warnings(steps: int, batch: int, data_size: int, ema_decay: float | None) -> list[str]:
    """Warnings for a run too short for its data (less than one pass) or for its generator EMA."""
    out = []
    seen = steps * batch
    if data_size and seen < data_size:
        out.append(f"a short run: {steps} steps of {batch} see {seen} items, less than one pass over the "
                   f"{data_size} training items; samples may be far from the data (raise steps or epochs)")
    if ema_decay and steps < 1.0 / (1.0 - ema_decay):
        out.append(f"a short run for ema_decay {ema_decay}: it averages over ~{1.0 / (1.0 - ema_decay):.0f} "
                   f"steps, more than the {steps} of this run; lower ema_decay or train longer")
    return out
