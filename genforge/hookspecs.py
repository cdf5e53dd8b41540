"""The plugin contract: every hook genforge calls, documented where it is declared.

A plugin is a module (found through the ``genforge`` entry-point group) with
functions decorated by :data:`hookimpl` whose names match the specs below.
A function named like a hook that is not declared here (a typo) is an error
when the plugin loads.

Registration hooks receive a ``register`` callback, so one plugin can add one
item or many, and can add items (a metric, a model) to a domain another plugin
owns. They are called once, when the plugin manager loads, in no guaranteed
order; a name that two plugins register is reported as a clash.

Training-event hooks are called by :class:`genforge.engine.trainer.Trainer` on
the main process only (rank 0 under ``torchrun``).
"""
from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("genforge")
hookimpl = pluggy.HookimplMarker("genforge")


@hookspec
def register_domains(register):
    """Register domains: call ``register(domain)`` with a :class:`genforge.domain.Domain`
    instance for each kind of data this plugin owns. Return nothing."""


@hookspec
def register_datasets(register):
    """Register datasets: call ``register(spec)`` with a
    :class:`genforge.domain.DatasetSpec`, either a named dataset or a file-format
    loader (``suffixes`` set). Return nothing."""


@hookspec
def register_models(register):
    """Register generator/discriminator pairs: call ``register(spec)`` with a
    :class:`genforge.domain.ModelSpec` whose ``build(schema, options)`` returns a
    :class:`genforge.model.GANModel`. Return nothing."""


@hookspec
def register_metrics(register):
    """Register quality metrics: call ``register(spec)`` with a
    :class:`genforge.domain.MetricSpec` (direction and range included). Metrics
    receive decoded samples and the domain's reference data. Return nothing."""


@hookspec
def register_losses(register):
    """Register GAN objectives: call ``register(spec)`` with a
    :class:`genforge.domain.LossSpec`. Return nothing."""


@hookspec
def on_train_start(trainer):
    """Called once before the first step (after a resume, before the next step).
    ``trainer.run_dir`` may be ``None`` for in-memory training. Return nothing."""


@hookspec
def on_step_end(trainer, step, logs):
    """Called after every training step with the 1-based ``step`` number and a dict of
    floats (``loss_d``, ``loss_g``, ``d_real_acc``, ``grad_norm_g``, ...). Keep it
    cheap: it runs every step. Return nothing."""


@hookspec
def on_eval(trainer, step, metrics):
    """Called after each periodic evaluation with a dict ``{metric_name: value}``.
    Return ``True`` to ask the trainer to stop (early stopping); any other value
    is ignored."""


@hookspec
def on_train_end(trainer, summary):
    """Called once when training stops (steps done, early stop or divergence) with a
    summary dict (``steps``, ``stopped_early``, ``best``, ``wall_time``, ``loop_time``: the steps
    alone). Return nothing."""


@hookspec
def on_warning(trainer, step, message):
    """Called when the trainer's diagnostics detect a failure mode (mode collapse,
    vanishing gradients). ``message`` names the remedies. Return nothing."""


@hookspec
def register_commands(register):
    """Add subcommands to the ``genforge`` CLI: call ``register(command)`` with a
    :class:`genforge.domain.CommandSpec` (name, help, ``add_arguments(parser)``,
    ``run(args) -> int``). Raise :class:`genforge.UserInputError` for user
    mistakes; the CLI prints it and exits with status 2. Return nothing."""
