"""The adversarial loop: sample real, sample fake, update D, update G, repeat.

The :class:`Trainer` drives any :class:`~genforge.model.GANModel` on any
:class:`~genforge.domain.TrainingData`. It knows tensors, two networks and a
loss; everything about the data comes through the Domain and the model's hooks.
"""
from __future__ import annotations

import contextlib
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import torch

from genforge.config import TrainConfig
from genforge.domain import Batch, Domain, LossSpec, MetricSpec, TrainingData
from genforge.engine import distributed, trainer_state
from genforge.engine.diagnostics import Diagnostics, run_length_warnings
from genforge.engine.ema import GeneratorEMA
from genforge.engine.penalties import r1_penalty, wgan_gradient_penalty
from genforge.engine.precision import autocast, resolve_precision
from genforge.engine.schedule import seed_all, total_steps  # noqa: F401 - seed_all: re-exported
from genforge.engine.tensor_tree import batch_size, tree_cat, tree_map, tree_split, tree_to
from genforge.errors import TrainingDiverged, UserInputError
from genforge.model import REAL_SAMPLE_LOGS, GANModel

if TYPE_CHECKING:
    from genforge.trained import TrainedGAN


class Trainer:
    """Train ``model`` on ``data`` with ``loss``; evaluate with ``metrics`` through ``domain``.

    ``hook`` is the plugin manager's hook relay (training events); ``run_dir``
    receives checkpoints. Both are optional, so the Trainer also works in memory.
    """

    def __init__(self, model: GANModel, data: TrainingData, config: TrainConfig, *,
                 loss: LossSpec, metrics: Sequence[MetricSpec] = (), domain: Domain | None = None,
                 run_dir: Path | None = None, hook: Any = None):
        if not isinstance(config.batch_size, int) or config.batch_size % model.samples_per_score:
            raise UserInputError(f"batch_size {config.batch_size!r} must be a number (genforge.train settles "
                                 f"\"auto\") and a multiple of the model's pac {model.samples_per_score}")
        self.config, self.data, self.loss, self.metrics = config, data, loss, list(metrics)
        self.domain, self.hook = domain, hook
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.device = distributed.pick_device(config.device, int(os.environ.get("LOCAL_RANK", 0)))
        self.group = distributed.init_process_group(self.device)
        rank_seed = config.seed + 1_000_003 * self.group.rank
        self.data_rng = torch.Generator().manual_seed(rank_seed)
        self.noise_rng = torch.Generator().manual_seed(rank_seed + 1)
        torch.manual_seed(rank_seed + 2)
        self.model = model.to(self.device)
        self.ema = GeneratorEMA(model.generator, config.ema_decay) if config.ema_decay > 0 else None
        #: the DDP wrappers of G and D under torchrun, used by ``_distributed`` only
        self._ddp = ((distributed.wrap(model.generator, self.device), distributed.wrap(model.discriminator, self.device))
                     if self.group.enabled else None)
        gen, disc = model.generator, model.discriminator
        # the fused kernel: one pass over all parameters, ~2x faster than the per-tensor loop on CPU
        fused = self.device.type in ("cpu", "cuda")
        self.opt_g = torch.optim.Adam(gen.parameters(), lr=config.lr_g, betas=config.betas_g, fused=fused)
        self.opt_d = model.discriminator_optimizer(  # the model may wrap it (differential privacy)
            torch.optim.Adam(disc.parameters(), lr=config.lr_d, betas=config.betas_d, fused=fused),
            config, total_steps(config, data.size))
        self.precision = resolve_precision(config.precision, self.device)
        generator = {id(p) for p in gen.parameters()}  # see _only_generator_learns
        self._not_generator = [p for p in model.parameters() if id(p) not in generator]
        self.gp_weight = loss.gradient_penalty if config.gp_weight is None else config.gp_weight
        self.step = 0
        self.total_steps = total_steps(config, data.size)
        self.diagnostics = Diagnostics()
        self.plugin_state: dict[str, Any] = {}
        self.logs: dict[str, float] = {}
        self.last_metrics: dict[str, float] = {}
        self.warnings: list[str] = []
        self._reference_diversity: float | None = None
        self._last_checkpoint = time.monotonic()

    def unwrap_distributed(self) -> None:
        """Drop the DDP wrappers once training is over (they keep the process group alive)."""
        self._ddp = None

    # -- one training step: D phase, auxiliary networks, G phase, logs ---------------------------
    def train_step(self) -> dict[str, float]:
        step = self.step + 1
        self.model.set_temperature(self._temperature(step))
        self.model.train()
        d = self._discriminator_phase(step)
        aux_logs = self.model.auxiliary_step(Batch(d.real, d.condition, d.batch.extras), d.fake, step)
        g_loss, extra, grad_norm_g = self._generator_phase(step, d)
        if self.ema is not None:
            self.ema.update(self.model.generator)
        self.step = step
        if grad_norm_g is not None:
            self._log_step(d, g_loss, extra, grad_norm_g, aux_logs)
        return self.logs

    def _discriminator_phase(self, step: int) -> "_DiscriminatorPass":
        """``n_critic`` discriminator updates; the last one's tensors feed the other phases."""
        cfg, model = self.config, self.model
        for i in range(cfg.n_critic):
            regularize = ((step - 1) * cfg.n_critic + i) % cfg.penalty_every == 0
            batch = self.data.batch(cfg.batch_size, self.data_rng)
            real = tree_to(batch.real, self.device)
            cond = _to(batch.condition, self.device)
            z = model.noise(cfg.batch_size, self.noise_rng).to(self.device)
            fake_g, extras = None, {}
            with self._forward(), self._distributed():
                if cfg.reuse_fake and i == cfg.n_critic - 1:  # this fake batch also serves the G step
                    fake_g, extras = model.generate_with_extras(z, cond)
                    fake = tree_map(lambda t: t.detach(), fake_g)
                else:
                    with torch.no_grad():
                        fake = model.generate(z, cond)
                d_loss, real_out, fake_out, penalty = self._discriminator_loss(real, fake, cond, regularize)
            _check_finite(d_loss, step, "discriminator")
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            self.opt_d.step()
        return _DiscriminatorPass(batch, real, cond, fake, fake_g, extras, d_loss, real_out, fake_out, penalty)

    def _generator_phase(self, step: int, d: "_DiscriminatorPass"):
        """One generator update; returns its loss, the model's extra loss and (on logging steps)
        G's gradient norm (``None`` otherwise)."""
        cfg, model = self.config, self.model
        gbatch = d.batch if cfg.reuse_fake else self.data.conditions(cfg.batch_size, self.data_rng)
        gbatch = Batch(None, _to(gbatch.condition, self.device),
                       tree_map(lambda t: t.to(self.device), gbatch.extras) if gbatch.extras else {})
        with self._only_generator_learns():
            with self._forward():
                with self._distributed(discriminator=False):
                    fake_g, extras = d.fake_g, d.extras
                    if not cfg.reuse_fake:
                        z = model.noise(cfg.batch_size, self.noise_rng).to(self.device)
                        fake_g, extras = model.generate_with_extras(z, gbatch.condition)
                    g_out = model.discriminate(fake_g, gbatch.condition)
                g_loss = self.loss.generator(g_out)
                extra = model.generator_extra_loss(fake_g, gbatch, extras)
                total_g = g_loss if extra is None else g_loss + extra
            _check_finite(total_g, step, "generator")
            self.opt_g.zero_grad(set_to_none=True)
            total_g.backward()
        logging_step = step % cfg.log_every == 0 or step == 1
        grad_norm_g = _grad_norm(self.opt_g) if logging_step else None
        self.opt_g.step()
        return g_loss, extra, grad_norm_g

    def _log_step(self, d: "_DiscriminatorPass", g_loss: torch.Tensor, extra: torch.Tensor | None,
                  grad_norm_g: float, aux_logs: dict[str, float]) -> None:
        threshold = self.loss.threshold(d.real_out, d.fake_out)
        self.logs = {
            "loss_d": d.loss.item(), "loss_g": g_loss.item(),
            "d_real_acc": (d.real_out > threshold).float().mean().item(),
            "d_fake_acc": (d.fake_out <= threshold).float().mean().item(),
            "grad_norm_g": grad_norm_g, "grad_norm_d": _grad_norm(self.opt_d),
            "temperature": self.model.temperature,
        }
        for key, value in (("penalty", d.penalty), ("loss_g_extra", extra)):
            if value is not None:
                self.logs[key] = value.item()
        self.logs.update(aux_logs)
        if not self.model.logs_real_statistics:  # not covered by the model's privacy guarantee
            self.logs = {k: v for k, v in self.logs.items() if k not in REAL_SAMPLE_LOGS}
        elif warning := self.diagnostics.observe_step(self.logs["d_real_acc"], self.logs["d_fake_acc"], grad_norm_g):
            self._warn(warning)

    @contextlib.contextmanager
    def _distributed(self, discriminator: bool = True) -> Iterator[None]:
        """Under torchrun, G and D forward through their DDP wrappers inside this context only:
        everywhere else (the model's hooks, EMA, sampling, checkpoints) they are the plain modules.
        The G step passes D's plain module (``discriminator=False``): its gradients there are
        discarded, so averaging them across ranks would be one all-reduce per step for nothing."""
        if self._ddp is None:
            yield
            return
        model = self.model
        plain = model.generator, model.discriminator
        model.generator = self._ddp[0]
        model.discriminator = self._ddp[1] if discriminator else plain[1]
        try:
            yield
        finally:
            model.generator, model.discriminator = plain

    @contextlib.contextmanager
    def _only_generator_learns(self) -> Iterator[None]:
        """The G step needs gradients for G's weights only: none are computed for D's or for a
        model's auxiliary networks (7 % of a tabular step; under DDP D is its plain module here)."""
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
        if model.joint_discriminator_batch:
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
        trainer_state.data_fingerprint(self)  # before finish_training fits anything into the schema
        if self.step == 0:
            self._check_run_length(target)
        try:
            while self.step < target:
                logs = self.train_step()
                self._emit("on_step_end", trainer=self, step=self.step, logs=logs)
                cfg = self.config
                if self.step < target and trainer_state.checkpoint_due(self, self._last_checkpoint):
                    self.save_checkpoint()
                if cfg.eval_every and self.step % cfg.eval_every == 0 and self.step < target:
                    if self._evaluate_and_decide():
                        stopped_early = True
                        break
        except TrainingDiverged as exc:
            self._emit("on_train_end", trainer=self, summary=self._summary(started, False, str(exc)))
            raise
        loop_time = time.perf_counter() - started  # the steps alone (what DDP scaling measures)
        if self.domain is not None:
            with self.sampling_model() as model:
                self.domain.finish_training(model, self.data, self.device)
        if self.run_dir is not None:  # before the final evaluation: a failing metric loses nothing
            self.save_checkpoint()
        if not stopped_early and self.metrics and self.domain is not None and self.data.reference is not None:
            self._evaluate_and_decide()
            if self.run_dir is not None:
                self.save_checkpoint()  # now with the final metrics
        summary = self._summary(started, stopped_early, loop_time=loop_time)
        self._emit("on_train_end", trainer=self, summary=summary)
        distributed.barrier(self.group)
        return summary

    def _check_run_length(self, steps: int) -> None:
        decay = None if self.ema is None else self.ema.decay
        for warning in run_length_warnings(steps, self.config.batch_size * self.group.world_size,
                                           self.data.size, decay):
            self._warn(warning)

    def _summary(self, started: float, stopped_early: bool, diverged: str = "",
                 loop_time: float | None = None) -> dict[str, Any]:
        wall = time.perf_counter() - started
        return {"steps": self.step, "stopped_early": stopped_early, "diverged": diverged,
                "metrics": dict(self.last_metrics), "warnings": list(self.warnings), "wall_time": wall,
                "loop_time": wall if loop_time is None else loop_time, "plugin_state": dict(self.plugin_state)}

    def _evaluate_and_decide(self) -> bool:
        stop = False
        if self.group.is_main and self.metrics and self.domain is not None:
            metrics = self.evaluate()
            results = self._emit("on_eval", trainer=self, step=self.step, metrics=metrics) or []
            stop = any(r is True for r in results)
        return distributed.broadcast_flag(stop, self.group, self.device)

    # -- sampling and evaluation (through TrainedGAN, which picks the sampling generator) -----
    def trained(self) -> "TrainedGAN":
        """A :class:`~genforge.trained.TrainedGAN` view of the live model (no copy)."""
        from genforge.trained import TrainedGAN

        return TrainedGAN.from_trainer(self)

    def sampling_model(self) -> contextlib.AbstractContextManager[GANModel]:
        """The model with its sampling (EMA, unwrapped) generator swapped in."""
        return self.trained().sampling_model()

    def sample(self, n: int, conditions: dict[str, str] | None = None, *, seed: int | None = None) -> Any:
        """Decoded samples through the domain (reproducible from ``seed``)."""
        if self.domain is None:
            raise RuntimeError("sampling decoded samples needs a domain")
        return self.trained().sample(n, conditions, seed=self._default_seed() if seed is None else seed)

    def _default_seed(self) -> int:
        return self.config.seed * 7919 + self.step

    def evaluate(self, n: int | None = None) -> dict[str, float]:
        """Compute every metric on fresh samples (a failing metric is reported by name and the
        others still run); check diversity for collapse."""
        trained = self.trained()
        samples = trained.sample(n or self.config.eval_samples, seed=self._default_seed())
        metrics = trained.score(samples, self.data.reference)
        for name, error in trained.metric_failures.items():
            self._warn(f"metric {name!r} failed and was left out: {error}")
        diversity = metrics.get("diversity")
        if diversity is not None:
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

    # -- checkpoints (genforge.engine.trainer_state) ---------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return trainer_state.capture(self)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        trainer_state.restore(self, state)

    def save_checkpoint(self) -> Path | None:
        """Atomically write ``checkpoints/step-N.pt`` (rank 0 only), keeping the newest few."""
        path = trainer_state.save_checkpoint(self)
        self._last_checkpoint = time.monotonic()
        return path

    def resume(self, warn=print) -> Path | None:
        """Restore the newest good checkpoint of ``run_dir`` of this run's domain, model and data
        (others are reported and skipped); ``None`` if there is none."""
        return trainer_state.resume(self, warn)


@dataclass
class _DiscriminatorPass:
    """What the last discriminator update of a step leaves for the other phases."""

    batch: Batch
    real: Any
    condition: torch.Tensor | None
    fake: Any
    fake_g: Any  # the fake batch with gradients (``reuse_fake``), else None
    extras: dict[str, torch.Tensor]  # what G computed beside ``fake_g`` (generate_with_extras)
    loss: torch.Tensor
    real_out: torch.Tensor
    fake_out: torch.Tensor
    penalty: torch.Tensor | None


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
