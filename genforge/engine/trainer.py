"""The adversarial loop: sample real, sample fake, update D, update G, repeat.

The :class:`Trainer` drives any :class:`~genforge.model.GANModel` on any
:class:`~genforge.domain.TrainingData`. It knows tensors, two networks and a
loss; everything about the data comes through the Domain and the model's hooks.
"""
from __future__ import annotations

import contextlib
import math
import os
import random
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import torch

from genforge.config import TrainConfig
from genforge.domain import Batch, Domain, LossSpec, MetricSpec, TrainingData
from genforge.engine import checkpoint, distributed
from genforge.engine.diagnostics import Diagnostics
from genforge.engine.ema import GeneratorEMA
from genforge.engine.penalties import r1_penalty, wgan_gradient_penalty
from genforge.engine.precision import autocast, resolve_precision
from genforge.engine.tensor_tree import batch_size, tree_cat, tree_map, tree_split, tree_to
from genforge.errors import TrainingDiverged
from genforge.model import GANModel
from genforge.sampling import decoded_chunks


def seed_all(seed: int) -> None:
    """Seed every global RNG genforge or a plugin might touch."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def total_steps(config: TrainConfig, data_size: int) -> int:
    if config.steps is not None:
        return int(config.steps)
    if config.epochs is not None:
        return max(1, math.ceil(config.epochs * data_size / config.batch_size))
    return 1000


class Trainer:
    """Train ``model`` on ``data`` with ``loss``; evaluate with ``metrics`` through ``domain``.

    ``hook`` is the plugin manager's hook relay (training events); ``run_dir``
    receives checkpoints. Both are optional, so the Trainer also works in memory.
    """

    def __init__(self, model: GANModel, data: TrainingData, config: TrainConfig, *,
                 loss: LossSpec, metrics: Sequence[MetricSpec] = (), domain: Domain | None = None,
                 run_dir: Path | None = None, hook: Any = None):
        self.config, self.data, self.loss, self.metrics = config, data, loss, list(metrics)
        self.domain, self.hook = domain, hook
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.device = distributed.pick_device(config.device, _local_rank())
        self.group = distributed.init_process_group(self.device)
        rank_seed = config.seed + 1_000_003 * self.group.rank
        self.data_rng = torch.Generator().manual_seed(rank_seed)
        self.noise_rng = torch.Generator().manual_seed(rank_seed + 1)
        torch.manual_seed(rank_seed + 2)
        self.model = model.to(self.device)
        self.ema = GeneratorEMA(model.generator, config.ema_decay) if config.ema_decay > 0 else None
        if self.group.enabled:
            model.generator = distributed.wrap(model.generator, self.device)
            model.discriminator = distributed.wrap(model.discriminator, self.device)
        gen, disc = distributed.unwrap(model.generator), distributed.unwrap(model.discriminator)
        # the fused kernel: one pass over all parameters, ~2x faster than the per-tensor loop on CPU
        fused = self.device.type in ("cpu", "cuda")
        self.opt_g = torch.optim.Adam(gen.parameters(), lr=config.lr_g, betas=config.betas_g, fused=fused)
        self.opt_d = model.discriminator_optimizer(  # the model may wrap it (differential privacy)
            torch.optim.Adam(disc.parameters(), lr=config.lr_d, betas=config.betas_d, fused=fused),
            config, total_steps(config, data.size))
        self.precision = resolve_precision(config.precision, self.device)
        generator = {id(p) for p in gen.parameters()}  # see _only_generator_learns (not under DDP)
        self._not_generator = [] if self.group.enabled else [p for p in model.parameters() if id(p) not in generator]
        self.gp_weight = loss.gradient_penalty if config.gp_weight is None else config.gp_weight
        self.step = 0
        self.total_steps = total_steps(config, data.size)
        self.diagnostics = Diagnostics()
        self.plugin_state: dict[str, Any] = {}
        self.logs: dict[str, float] = {}
        self.last_metrics: dict[str, float] = {}
        self.warnings: list[str] = []
        self._reference_diversity: float | None = None

    def unwrap_distributed(self) -> None:
        """Drop the DDP wrappers once training is over (they keep the process group alive)."""
        self.model.generator = distributed.unwrap(self.model.generator)
        self.model.discriminator = distributed.unwrap(self.model.discriminator)

    # -- one training step ---------------------------------------------------------
    def train_step(self) -> dict[str, float]:
        cfg, model = self.config, self.model
        step = self.step + 1
        model.set_temperature(self._temperature(step))
        model.train()
        for i in range(cfg.n_critic):
            regularize = ((step - 1) * cfg.n_critic + i) % cfg.penalty_every == 0
            batch = self.data.batch(cfg.batch_size, self.data_rng)
            real = tree_to(batch.real, self.device)
            cond = _to(batch.condition, self.device)
            z = model.noise(cfg.batch_size, self.noise_rng).to(self.device)
            with self._forward():
                if cfg.reuse_fake and i == cfg.n_critic - 1:  # this fake batch also serves the G step
                    fake_g = model.generate(z, cond)
                    fake = tree_map(lambda t: t.detach(), fake_g)
                else:
                    with torch.no_grad():
                        fake = model.generate(z, cond)
                d_loss, real_out, fake_out, penalty = self._discriminator_loss(real, fake, cond, regularize)
            _check_finite(d_loss, step, "discriminator")
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            self.opt_d.step()
        aux_logs = model.auxiliary_step(Batch(real, cond, batch.extras), fake, step)

        gbatch = batch if cfg.reuse_fake else self.data.conditions(cfg.batch_size, self.data_rng)
        gbatch = Batch(None, _to(gbatch.condition, self.device),
                       tree_map(lambda t: t.to(self.device), gbatch.extras) if gbatch.extras else {})
        with self._only_generator_learns():
            with self._forward():
                if not cfg.reuse_fake:
                    z = model.noise(cfg.batch_size, self.noise_rng).to(self.device)
                    fake_g = model.generate(z, gbatch.condition)
                g_out = model.discriminate(fake_g, gbatch.condition)
                g_loss = self.loss.generator(g_out)
                extra = model.generator_extra_loss(fake_g, gbatch)
                total_g = g_loss if extra is None else g_loss + extra
            _check_finite(total_g, step, "generator")
            self.opt_g.zero_grad(set_to_none=True)
            total_g.backward()
        logging_step = step % cfg.log_every == 0 or step == 1
        grad_norm_g = _grad_norm(self.opt_g) if logging_step else None
        self.opt_g.step()
        if self.ema is not None:
            self.ema.update(distributed.unwrap(model.generator))
        self.step = step

        if logging_step:
            threshold = self._decision_threshold(real_out, fake_out)
            self.logs = {
                "loss_d": d_loss.item(), "loss_g": g_loss.item(),
                "d_real_acc": (real_out > threshold).float().mean().item(),
                "d_fake_acc": (fake_out <= threshold).float().mean().item(),
                "grad_norm_g": grad_norm_g, "grad_norm_d": _grad_norm(self.opt_d),
                "temperature": model.temperature,
            }
            if penalty is not None:
                self.logs["penalty"] = penalty.item()
            if extra is not None:
                self.logs["loss_g_extra"] = extra.item()
            self.logs.update(aux_logs)
            warning = self.diagnostics.observe_step(self.logs["d_real_acc"], self.logs["d_fake_acc"],
                                                    grad_norm_g)
            if warning:
                self._warn(warning)
        return self.logs

    @contextlib.contextmanager
    def _only_generator_learns(self) -> Iterator[None]:
        """The G step needs gradients for G's weights only: none are computed for D's or for a
        model's auxiliary networks (7 % of a tabular step).
        Not under DDP: D's reducer expects its gradients on every backward pass."""
        frozen = [p for p in self._not_generator if p.requires_grad]
        for p in frozen:
            p.requires_grad_(False)
        try:
            yield
        finally:
            for p in frozen:
                p.requires_grad_(True)

    def _forward(self) -> contextlib.AbstractContextManager:
        """The context of the forward passes: bf16 autocast under ``precision = "bf16"``
        (backward passes and optimizer steps stay outside it, as autocast expects)."""
        return autocast(self.precision, self.device)

    def _discriminator_loss(self, real: Any, fake: Any, cond: torch.Tensor | None, regularize: bool = True):
        """L_D (+ penalties, when ``regularize``) from one discriminator pass over [real, fake,
        interpolates]. Lazy regularization scales the penalties by ``penalty_every``."""
        model, n = self.model, batch_size(real)
        gp_weight = self.gp_weight * self.config.penalty_every if regularize else 0.0
        r1_weight = self.config.r1_weight * self.config.penalty_every if regularize else 0.0
        if r1_weight > 0:
            real = tree_map(lambda t: t.detach().requires_grad_(True), real)
        parts = [real, fake]
        if gp_weight > 0:
            alpha = torch.rand(n, generator=self.noise_rng).to(self.device)
            parts.append(tree_map(
                lambda r, f: (alpha.view(-1, *[1] * (r.dim() - 1)) * r
                              + (1 - alpha.view(-1, *[1] * (r.dim() - 1))) * f).requires_grad_(True),
                real, fake))
        if getattr(model, "joint_discriminator_batch", True):
            joint_cond = None if cond is None else torch.cat([cond] * len(parts))
            outs = model.discriminate(tree_cat(parts), joint_cond).reshape(len(parts), -1)
        else:
            outs = torch.stack([model.discriminate(p, cond).reshape(-1) for p in parts])
        real_out, fake_out = outs[0], outs[1]
        loss = self.loss.discriminator(real_out, fake_out)
        penalty = None
        if gp_weight > 0:
            penalty = gp_weight * wgan_gradient_penalty(outs[2], parts[2])
        if r1_weight > 0:
            r1 = r1_weight * r1_penalty(real_out, real)
            penalty = r1 if penalty is None else penalty + r1
        total = loss if penalty is None else loss + penalty
        return total, real_out.detach(), fake_out.detach(), penalty

    def _decision_threshold(self, real_out: torch.Tensor, fake_out: torch.Tensor) -> float:
        if self.loss.name == "least-squares":
            return 0.5
        if self.loss.name == "wgan-gp":  # critic scores: split at the midpoint of the means
            return 0.5 * (real_out.mean().item() + fake_out.mean().item())
        return 0.0

    def _temperature(self, step: int) -> float:
        start, end = self.config.temperature_start, self.config.temperature_end
        if start == end:
            return start
        frac = min(1.0, step / max(1, self.total_steps))
        return start * (end / start) ** frac  # geometric annealing

    # -- the loop ------------------------------------------------------------------
    def fit(self, steps: int | None = None) -> dict[str, Any]:
        """Train until ``steps`` (default: the config's total); return a summary."""
        target = self.total_steps if steps is None else steps
        started, stopped_early = time.perf_counter(), False
        self._emit("on_train_start", trainer=self)
        try:
            while self.step < target:
                logs = self.train_step()
                self._emit("on_step_end", trainer=self, step=self.step, logs=logs)
                cfg = self.config
                if cfg.checkpoint_every and self.step % cfg.checkpoint_every == 0 and self.step < target:
                    self.save_checkpoint()
                if cfg.eval_every and self.step % cfg.eval_every == 0 and self.step < target:
                    if self._evaluate_and_decide():
                        stopped_early = True
                        break
        except TrainingDiverged as exc:
            self._emit("on_train_end", trainer=self, summary=self._summary(started, False, str(exc)))
            raise
        if self.domain is not None:
            with self.sampling_model() as model:
                self.domain.finish_training(model, self.data, self.device)
        if not stopped_early and self.metrics and self.domain is not None:
            self._evaluate_and_decide()
        if self.run_dir is not None:
            self.save_checkpoint()
        summary = self._summary(started, stopped_early)
        self._emit("on_train_end", trainer=self, summary=summary)
        distributed.barrier(self.group)
        return summary

    def _summary(self, started: float, stopped_early: bool, diverged: str = "") -> dict[str, Any]:
        return {"steps": self.step, "stopped_early": stopped_early, "diverged": diverged,
                "metrics": dict(self.last_metrics), "warnings": list(self.warnings),
                "wall_time": time.perf_counter() - started,
                "best": dict(self.plugin_state.get("early_stopping", {}))}

    def _evaluate_and_decide(self) -> bool:
        stop = False
        if self.group.is_main and self.metrics and self.domain is not None:
            metrics = self.evaluate()
            results = self._emit("on_eval", trainer=self, step=self.step, metrics=metrics) or []
            stop = any(r is True for r in results)
        return distributed.broadcast_flag(stop, self.group, self.device)

    # -- sampling and evaluation -------------------------------------------------------
    @contextlib.contextmanager
    def sampling_model(self, use_ema: bool = True) -> Iterator[GANModel]:
        """The model with its EMA (or plain, unwrapped) generator swapped in."""
        model, live = self.model, self.model.generator
        model.generator = self.ema.module if (use_ema and self.ema is not None) else distributed.unwrap(live)
        try:
            yield model
        finally:
            model.generator = live

    def sample(self, n: int, conditions: dict[str, str] | None = None, *, seed: int | None = None) -> Any:
        """Decoded samples through the domain (reproducible from ``seed``)."""
        if self.domain is None:
            raise RuntimeError("sampling decoded samples needs a domain")
        rng = torch.Generator().manual_seed(self.config.seed * 7919 + self.step if seed is None else seed)
        with self.sampling_model() as model:
            chunks = list(decoded_chunks(self.domain, model, self.data.schema, n, conditions or {},
                                         rng, self.device))
        return self.domain.concat(chunks)

    def evaluate(self, n: int | None = None) -> dict[str, float]:
        """Compute every metric on fresh samples; check diversity for collapse."""
        samples = self.sample(n or self.config.eval_samples)
        metrics = {m.name: float(m.compute(samples, self.data.reference)) for m in self.metrics}
        diversity = self.domain.diversity(samples, self.data.schema)
        if diversity is not None:
            metrics["diversity"] = float(diversity)
            if self._reference_diversity is None and self.data.real_samples is not None:
                self._reference_diversity = self.domain.diversity(self.data.real_samples, self.data.schema)
            warning = self.diagnostics.observe_diversity(diversity, self._reference_diversity)
            if warning:
                self._warn(warning)
        self.last_metrics = metrics
        return metrics

    def _warn(self, message: str) -> None:
        self.warnings.append(f"step {self.step}: {message}")
        self._emit("on_warning", trainer=self, step=self.step, message=message)

    def _emit(self, name: str, **kwargs: Any):
        if self.hook is None or not self.group.is_main:
            return None
        return getattr(self.hook, name)(**kwargs)

    # -- checkpoints -------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        model = self.model
        with _unwrapped(model):
            model_state = model.state_dict()
        state = {
            "step": self.step, "config": self.config.to_dict(), "model": model_state,
            "ema": self.ema.state_dict() if self.ema else None,
            "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
            "aux_optimizers": {k: o.state_dict() for k, o in model.auxiliary_optimizers().items()},
            "rng": {"torch": torch.get_rng_state(), "data": self.data_rng.get_state(),
                    "noise": self.noise_rng.get_state()},
            "diagnostics": self.diagnostics.state_dict(), "plugin_state": self.plugin_state,
            "logs": self.logs, "last_metrics": self.last_metrics,
        }
        if self.device.type == "cuda":
            state["rng"]["cuda"] = torch.cuda.get_rng_state(self.device)
        if self.domain is not None:
            state["schema"] = self.domain.schema_state(self.data.schema)
            state["domain"] = self.domain.name
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        with _unwrapped(self.model):
            self.model.load_state_dict(state["model"])
        if self.ema is not None and state.get("ema") is not None:
            self.ema.load_state_dict(state["ema"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        for name, opt in self.model.auxiliary_optimizers().items():
            opt.load_state_dict(state["aux_optimizers"][name])
        rng = state["rng"]
        torch.set_rng_state(rng["torch"])
        self.data_rng.set_state(rng["data"])
        self.noise_rng.set_state(rng["noise"])
        if self.group.rank > 0:  # rank 0's streams were saved; others re-derive theirs
            offset = self.config.seed + 1_000_003 * self.group.rank + 7 * state["step"]
            self.data_rng.manual_seed(offset)
            self.noise_rng.manual_seed(offset + 1)
        if "cuda" in rng and self.device.type == "cuda":
            torch.cuda.set_rng_state(rng["cuda"], self.device)
        self.diagnostics.load_state_dict(state["diagnostics"])
        self.plugin_state = dict(state.get("plugin_state") or {})
        self.logs, self.last_metrics = dict(state.get("logs") or {}), dict(state.get("last_metrics") or {})
        self.step = int(state["step"])

    def save_checkpoint(self) -> Path | None:
        """Atomically write ``checkpoints/step-N.pt`` (rank 0 only)."""
        if self.run_dir is None or not self.group.is_main:
            return None
        folder = self.run_dir / "checkpoints"
        path = checkpoint.save_atomic(self.state_dict(), checkpoint.step_path(folder, self.step))
        checkpoint.prune(folder, self.config.keep_checkpoints)
        return path

    def resume(self, warn=print) -> Path | None:
        """Restore the newest good checkpoint of ``run_dir``; ``None`` if there is none."""
        if self.run_dir is None or not checkpoint.list_checkpoints(self.run_dir / "checkpoints"):
            return None
        state, path = checkpoint.load_latest_good(self.run_dir / "checkpoints", warn=warn)
        self.load_state_dict(state)
        return path


@contextlib.contextmanager
def _unwrapped(model: GANModel) -> Iterator[None]:
    """Present G and D without their DDP wrappers (stable state-dict keys)."""
    g, d = model.generator, model.discriminator
    model.generator, model.discriminator = distributed.unwrap(g), distributed.unwrap(d)
    try:
        yield
    finally:
        model.generator, model.discriminator = g, d


def _to(t: torch.Tensor | None, device: torch.device) -> torch.Tensor | None:
    return None if t is None else t.to(device, non_blocking=True)


def _check_finite(loss: torch.Tensor, step: int, which: str) -> None:
    value = loss.item()
    if not math.isfinite(value):
        raise TrainingDiverged(step, which, value)


def _grad_norm(optimizer: torch.optim.Optimizer) -> float:
    grads = [p.grad for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
    if not grads:
        return 0.0
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads))).item()


def _local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", 0))
