"""The MolGAN model: generator, relational discriminator and reward network in one GANModel.

The RL objective enters through the engine's hooks, never a fork of the loop:
:meth:`MolGAN.auxiliary_step` regresses the reward network on RDKit scores of
the real and generated graphs of the step, with its own optimizer, and
:meth:`MolGAN.generator_extra_loss` adds ``w * L_RL`` (``L_RL = -mean R(G(z))``)
to the engine's GAN loss. With ``w = (1 - lambda) / lambda`` the generator
minimizes ``L_GAN + w L_RL``, which is MolGAN's ``lambda L_GAN + (1 - lambda)
L_RL`` divided by ``lambda``. A graph's reward (:meth:`MolGAN.rewards`): for
``validity`` its raw validity; for a property, the property mapped to [0, 1]
(``properties.normalized``) of the molecule it decodes to, halved for a graph
that needed valence repair.

Option ``rl="policy"`` replaces the reward network by a policy-gradient
(REINFORCE) term on the RDKit rewards of the generator's own samples:
``L_RL = -mean (R - mean R) / std R * log p(graph)``, with ``log p`` the
generator's log-probability of the graph it drew (Gumbel-max sampling is exact
sampling from its logits). No learned critic stands between RDKit and the
generator, so a whole ring that scores well is reinforced as drawn. Against the
collapse reward maximization brings, ``repeat_decay`` d > 0 multiplies the
reward of a molecule the term has drawn n times before by exp(-n / d) (a
memory of what was rewarded, as in REINVENT's diversity filter).

Against collapse: PacGAN packing in the discriminator (``pac``), and a
diversity term (``diversity`` weight) that rewards generator batches whose
graphs differ from each other.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from genforge.domain import Batch
from genforge.errors import UserInputError
from genforge.model import GANModel
from genforge_molecule.decoding import fix_valences, submit_smiles
from genforge_molecule.networks import GraphGenerator, RelationalGraphNetwork
from genforge_molecule.properties import PROPERTIES, REWARDS, normalized
from genforge_molecule.schema import MoleculeSchema

DEFAULTS: dict[str, Any] = {
    "latent_dim": 32, "hidden": [128, 256, 512], "dropout": 0.0,
    "conv": [128, 64], "aggregate": 128, "mlp": [128, 64], "pac": 1,
    "reward": "none", "rl": "critic", "lambda_gan": 0.5, "rl_start": 0, "reward_lr": 1e-3,
    "diversity": 0.0, "repeat_decay": 0.0,
}


class MolGAN(GANModel):
    def __init__(self, schema: MoleculeSchema, options: dict[str, Any]):
        o = {**DEFAULTS, **options}
        if o["reward"] not in ("none",) + REWARDS:
            raise UserInputError(f"model option reward={o['reward']!r}: choose one of none, {', '.join(REWARDS)}")
        if o["rl"] not in ("critic", "policy"):
            raise UserInputError(f"model option rl={o['rl']!r}: choose critic (a reward network, MolGAN) or policy")
        if float(o["repeat_decay"]) < 0:
            raise UserInputError(f"model option repeat_decay must be >= 0 (0: off), got {o['repeat_decay']!r}")
        if not 0.0 < float(o["lambda_gan"]) <= 1.0:
            raise UserInputError(f"model option lambda_gan must be in (0, 1], got {o['lambda_gan']!r}")
        T, C = schema.node_types, schema.edge_types
        generator = GraphGenerator(o["latent_dim"], schema.max_atoms, T, C, tuple(o["hidden"]), o["dropout"])
        critic = RelationalGraphNetwork(T, C, tuple(o["conv"]), o["aggregate"], tuple(o["mlp"]), pac=o["pac"])
        super().__init__(generator, critic, o["latent_dim"])
        self.schema, self.options = schema, o
        self.reward_name = o["reward"]
        self.rl_weight = (1.0 - float(o["lambda_gan"])) / float(o["lambda_gan"])
        self.step_seen = 0
        self._scores: dict[str, float] = {}
        self.policy = self.reward_name != "none" and o["rl"] == "policy"
        self.last_reward: float | None = None
        self._drawn: Counter[str] = Counter()  # molecules the policy term has drawn, for repeat_decay
        self.reward_optimizer: torch.optim.Optimizer | None = None
        if self.reward_name != "none" and not self.policy:
            self.reward_net = RelationalGraphNetwork(T, C, tuple(o["conv"]), o["aggregate"], tuple(o["mlp"]))
            self.reward_optimizer = torch.optim.Adam(self.reward_net.parameters(), lr=o["reward_lr"])

    def set_temperature(self, tau: float) -> None:
        super().set_temperature(tau)
        self.generator.tau = tau

    # -- rewards ---------------------------------------------------------------------------
    def rewards(self, graph: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """RDKit reward in [0, 1] of each graph. ``validity``: 1 for a graph valid as sampled.
        A property: the normalized property of the molecule the graph decodes to (what the
        user gets), halved for a graph that needed valence repair."""
        return self._rewards_and_smiles(graph)[0]

    def _rewards_and_smiles(self, graph: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, list[str | None]]:
        smiles, raw_valid = submit_smiles(fix_valences(graph, self.schema), self.schema.atom_types)()
        valid = raw_valid.astype(np.float32)
        if self.reward_name == "validity":
            return torch.from_numpy(valid), smiles
        scores = np.array([self._score(s) for s in smiles], dtype=np.float32)
        return torch.from_numpy(scores * (0.5 + 0.5 * valid)), smiles

    def _score(self, smiles: str | None) -> float:
        if smiles is None:
            return 0.0
        if smiles not in self._scores:
            from rdkit import Chem
            mol = Chem.MolFromSmiles(smiles)
            value = normalized(self.reward_name, PROPERTIES[self.reward_name](mol)) if mol is not None else 0.0
            if len(self._scores) > 200_000:
                self._scores.clear()
            self._scores[smiles] = value
        return self._scores[smiles]

    # -- engine hooks ----------------------------------------------------------------------
    def auxiliary_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"reward": self.reward_optimizer} if self.reward_optimizer is not None else {}

    def auxiliary_step(self, real: Batch, fake: Any, step: int) -> dict[str, float]:
        self.step_seen = step
        if self.policy and self.last_reward is not None:
            return {"reward_fake": self.last_reward}  # of the last generator step
        if self.reward_optimizer is None:
            return {}
        graphs = tuple(torch.cat([r, f.detach()]) for r, f in zip(real.real, fake))
        target = self.rewards(graphs).to(graphs[0].device)
        pred = torch.sigmoid(self.reward_net(graphs))
        loss = F.mse_loss(pred, target)
        self.reward_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.reward_optimizer.step()
        n = real.real[0].shape[0]
        return {"loss_reward": loss.item(), "reward_fake": target[n:].mean().item()}

    def generator_extra_loss(self, fake: Any, batch: Batch, extras: dict[str, torch.Tensor]) -> torch.Tensor | None:
        terms = []
        if self.options["diversity"] > 0:
            terms.append(-self.options["diversity"] * batch_spread(fake))
        if self.reward_name != "none" and self.step_seen >= self.options["rl_start"] and self.rl_weight > 0:
            terms.append(self.rl_weight * (self._policy_loss(fake) if self.policy
                                           else -torch.sigmoid(self.reward_net(fake)).mean()))
        return sum(terms) if terms else None

    def _policy_loss(self, fake: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        reward, smiles = self._rewards_and_smiles(fake)
        self.last_reward = float(reward.mean())
        if self.options["repeat_decay"] > 0:
            reward = reward * torch.from_numpy(self._repeat_weights(smiles))
        reward = reward.to(fake[0].device)
        advantage = (reward - reward.mean()) / (reward.std() + 1e-6)
        return -(advantage * self.generator.log_prob(fake)).mean()

    def _repeat_weights(self, smiles: list[str | None]) -> np.ndarray:
        """exp(-n / repeat_decay) for a molecule the policy term drew n times before; counts it."""
        seen = np.array([self._drawn[s] for s in smiles], dtype=np.float32)
        if len(self._drawn) > 1_000_000:
            self._drawn.clear()
        self._drawn.update(s for s in smiles if s is not None)
        return np.exp(-seen / float(self.options["repeat_decay"]))


def batch_spread(graph: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    """Mean L1 distance between the two halves of a generated batch (per graph, nodes + edges)."""
    nodes, edges = graph
    h = nodes.shape[0] // 2
    d_nodes = (nodes[:h] - nodes[h:2 * h]).abs().sum((1, 2))
    d_edges = (edges[:h] - edges[h:2 * h]).abs().sum((1, 2, 3)) / 2
    return (d_nodes + d_edges).mean() / nodes.shape[1]


def build_molgan(schema: MoleculeSchema, options: dict[str, Any]) -> MolGAN:
    if schema.training_codes is not None:
        raise UserInputError("model molgan needs graphs; dataset option codes = true keeps autoencoder codes "
                             "only (for model latentgan): drop it")
    return MolGAN(schema, options)
