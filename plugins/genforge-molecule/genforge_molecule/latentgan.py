"""LatentGAN (Prykhodko et al. 2019): a WGAN-GP in the latent space of a molecule autoencoder.

Building the model pretrains (or reuses from the cache) a SELFIES autoencoder on the
training molecules (:mod:`genforge_molecule.autoencoder_pretraining`), encodes them,
and stores the codec on the schema, so:

* the real batches are the codes of training molecules (``schema.training_codes``);
* the generator is an MLP ``z -> code`` in [-1, 1]^L, the critic an MLP ``code -> score``,
  both trained adversarially by genforge's Trainer (no fork of the loop);
* decoding a generated code runs the autoencoder's greedy SELFIES decoder, so every
  non-empty string is a valid molecule by construction (SELFIES' valence rules are
  part of the generation step; no repair happens after it).

Options: ``latent_dim`` (noise), ``hidden`` (generator), ``critic`` (critic widths),
``code_dim``, ``ae_hidden``, ``ae_embedding`` (autoencoder sizes), ``autoencoder``
(``bundled``: the MOSES autoencoder shipped in ``data/`` when it covers the training
molecules' SELFIES tokens and lengths, else one is trained and the reason printed;
``train``: always pretrain one), ``decode`` (sample or
greedy), ``decode_temperature``, ``decode_precision`` (fp32, or bf16: faster, other samples),
``objective`` and the ``steer_*`` options of :mod:`genforge_molecule.objectives.steering`, and the pretraining
options of :data:`~genforge_molecule.autoencoder_pretraining.PRETRAIN_DEFAULTS`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from genforge.errors import UserInputError
from genforge.model import GANModel
from genforge_molecule.autoencoder_pretraining import PRETRAIN_DEFAULTS, fit_codec, selfies_tokens
from genforge_molecule.latent_codec import PRECISIONS, LatentCodec
from genforge_molecule.objectives.steering import STEER_DEFAULTS, FeedbackSteering
from genforge_molecule.schema import MoleculeSchema

LATENTGAN_DEFAULTS: dict[str, Any] = {"latent_dim": 64, "hidden": [256, 256], "critic": [256, 256],
                                      "code_dim": 64, "ae_hidden": 256, "ae_embedding": 32,
                                      "autoencoder": "bundled",
                                      "decode": "sample", "decode_temperature": 1.0, "decode_precision": "fp32",
                                      **PRETRAIN_DEFAULTS, **STEER_DEFAULTS}

#: engine settings of ``genforge train molecule --model latentgan`` where neither the command line
#: nor ``--config`` sets them (the domain's train_defaults are MolGAN's): measured on MOSES codes by
#: ``benchmarks/molecule_code_gan.py`` (README, "What the GAN learns")
LATENTGAN_TRAINING: dict[str, Any] = {"steps": 20_000, "batch_size": 128, "n_critic": 5, "lr_g": 1e-4,
                                      "lr_d": 1e-4, "ema_decay": 0.999}


#: the key nn.Module gives :meth:`LatentGAN.get_extra_state` in the state dict
EXTRA_STATE = "_extra_state"


def mlp(sizes: list[int], out_activation: nn.Module | None) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(a, b), nn.LeakyReLU(0.2)]
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    if out_activation is not None:
        layers.append(out_activation)
    return nn.Sequential(*layers)


class CodeCritic(nn.Module):
    def __init__(self, code_dim: int, widths: list[int]):
        super().__init__()
        self.net = mlp([code_dim, *widths, 1], None)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        return self.net(code).squeeze(-1)


class LatentGAN(GANModel):
    def __init__(self, codec: LatentCodec, options: dict[str, Any], schema: MoleculeSchema | None = None):
        o = {**LATENTGAN_DEFAULTS, **options}
        generator = mlp([int(o["latent_dim"]), *map(int, o["hidden"]), codec.code_dim], nn.Tanh())
        super().__init__(generator, CodeCritic(codec.code_dim, [int(w) for w in o["critic"]]), int(o["latent_dim"]))
        self.options, self.codec, self.schema = o, codec, schema
        self.steering = steering_of(o) if schema is not None and schema.training_codes is not None else None
        if self.steering is not None:
            self._real_codes = schema.training_codes
            self._steer_rng = torch.Generator().manual_seed(int(torch.initial_seed() % 2**31))

    def auxiliary_step(self, real: Any, fake: Any, step: int) -> dict[str, float]:
        """Feedback steering (option ``objective``): see :mod:`genforge_molecule.objectives.steering`."""
        if self.steering is None:
            return {}
        with torch.no_grad():
            codes, logs = self.steering.step(step, self._steer_samples, self._steer_codes, self._real_codes)
        if codes is not None:
            self.schema.training_codes = codes
        return logs

    def get_extra_state(self) -> torch.Tensor:
        """The steering memory (scored molecules, rounds, calls), so a resumed run keeps it."""
        return torch.zeros(0, dtype=torch.uint8) if self.steering is None else self.steering.to_tensor()

    def set_extra_state(self, state: torch.Tensor) -> None:
        if self.steering is not None:
            self.steering.restore(state)

    def load_state_dict(self, state: Any, strict: bool = True, assign: bool = False) -> Any:
        """As ``nn.Module``'s; a state saved before the steering memory was kept lacks it."""
        if EXTRA_STATE not in state:
            state = {**state, EXTRA_STATE: torch.zeros(0, dtype=torch.uint8)}
        return super().load_state_dict(state, strict, assign)

    def _steer_samples(self, n: int) -> list[str | None]:
        device = next(self.generator.parameters()).device
        codes = self.generator(torch.randn(n, self.latent_dim, generator=self._steer_rng).to(device))
        return [s for s, _ in self.codec.vocabulary.decode(self.codec.decode_ids(codes))]

    def _steer_codes(self, smiles: list[str]) -> torch.Tensor:
        return training_codes(self.codec, smiles)


def steering_of(o: dict[str, Any]) -> FeedbackSteering | None:
    """The feedback steering that model option ``objective`` (a TOML objective file) asks for."""
    if not o.get("objective"):
        return None
    from genforge_molecule.objectives import read_objective

    for key in ("steer_every", "steer_samples", "steer_elites", "steer_bucket"):
        if not isinstance(o[key], int) or isinstance(o[key], bool) or o[key] <= 0:
            raise UserInputError(f"model option {key} must be a positive integer, got {o[key]!r}")
    if not isinstance(o["steer_share"], (int, float)) or not 0 < o["steer_share"] < 1:
        raise UserInputError(f"model option steer_share must be a number between 0 and 1, got {o['steer_share']!r}")
    return FeedbackSteering(read_objective(Path(o["objective"])), o["steer_every"], o["steer_samples"],
                            float(o["steer_share"]), o["steer_elites"], o["steer_bucket"])


def codec_options(options: dict[str, Any]) -> dict[str, int]:
    return {"code_dim": int(options["code_dim"]), "hidden": int(options["ae_hidden"]),
            "embedding": int(options["ae_embedding"])}


def build_latentgan(schema: MoleculeSchema, options: dict[str, Any]) -> LatentGAN:
    """The model; pretrains the codec first when the schema has none (a new training)."""
    o = {**LATENTGAN_DEFAULTS, **options}
    if o["autoencoder"] not in ("bundled", "train"):
        raise UserInputError(f"model option autoencoder={o['autoencoder']!r}: choose bundled (the shipped "
                             "MOSES autoencoder when it covers the molecules) or train (pretrain one)")
    if o["autoencoder"] == "train" and schema.training_codes is not None:
        raise UserInputError("model option autoencoder=train fits an autoencoder on the molecules, but dataset "
                             "option codes = true gave codes of the bundled one: drop one of the two")
    if schema.latent is None:
        if not schema.training_smiles:
            raise UserInputError("model latentgan: the schema carries neither an autoencoder nor training "
                                 "molecules to fit one on")
        seed = torch.initial_seed() % 2**31
        schema.latent = fit_codec(schema.training_smiles, codec_options(o),
                                  {k: o[k] for k in PRETRAIN_DEFAULTS}, seed, bundled=o["autoencoder"] == "bundled")
    elif schema.latent.options != codec_options(o):
        raise UserInputError(f"model latentgan: the run's autoencoder has sizes {schema.latent.options}, "
                             f"the options ask for {codec_options(o)}")
    if o["decode"] not in ("sample", "greedy"):
        raise UserInputError(f"model option decode={o['decode']!r}: choose sample (draw each SELFIES token) "
                             "or greedy (the most likely token)")
    schema.latent.sample = o["decode"] == "sample"
    temperature = o["decode_temperature"]
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 < temperature <= 10:
        raise UserInputError(f"model option decode_temperature must be a number in (0, 10], got {temperature!r}")
    schema.latent.temperature = float(temperature)
    if o["decode_precision"] not in PRECISIONS:
        raise UserInputError(f"model option decode_precision={o['decode_precision']!r}: choose fp32 or bf16 "
                             "(the decoder's hidden projection in bfloat16: faster, other samples)")
    schema.latent.precision = o["decode_precision"]
    if schema.training_smiles and schema.training_codes is None:
        schema.training_codes = training_codes(schema.latent, schema.training_smiles[: int(o["ae_molecules"])])
    return LatentGAN(schema.latent, o, schema)


def training_codes(codec: LatentCodec, smiles: list[str]) -> torch.Tensor:
    """Codes of the training molecules the vocabulary can write (the real batches)."""
    index = set(codec.vocabulary.tokens)
    tokens = [t for t in selfies_tokens(smiles) if t and all(x in index for x in t)]
    return codec.encode_ids(codec.vocabulary.encode(tokens))
