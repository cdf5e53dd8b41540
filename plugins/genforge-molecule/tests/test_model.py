import math

import pytest
import torch

from genforge.domain import Batch
from genforge_molecule.molgan import MolGAN, batch_spread
from genforge_molecule.schema import MoleculeSchema

SCHEMA = MoleculeSchema(["C", "O", "N", "F"], 9)
TINY = {"hidden": [32, 64], "conv": [16], "aggregate": 16, "mlp": [16]}


def test_generator_outputs_symmetric_one_hot_graphs_with_empty_diagonal():
    model = MolGAN(SCHEMA, TINY)
    model.set_temperature(0.5)
    nodes, edges = model.generate(model.noise(8, torch.Generator().manual_seed(0)))
    assert nodes.shape == (8, 9, 5) and edges.shape == (8, 9, 9, 4)
    assert torch.equal(edges.sum(-1), torch.ones(8, 9, 9)) and set(edges.unique().tolist()) == {0.0, 1.0}
    assert torch.equal(edges, edges.transpose(1, 2))
    assert (edges.argmax(-1).diagonal(dim1=1, dim2=2) == 0).all()
    (nodes.sum() + (edges * torch.arange(4.0)).sum()).backward()  # straight-through gradients reach G
    assert model.generator.edge_head.weight.grad.abs().sum() > 0
    model.eval()
    soft_nodes, soft_edges = model.generate(model.noise(8, torch.Generator().manual_seed(0)))
    assert ((soft_edges > 0) & (soft_edges < 1)).any() and torch.allclose(soft_edges.sum(-1), torch.ones(8, 9, 9))


def test_discriminator_packs_graphs():
    model = MolGAN(SCHEMA, {**TINY, "pac": 4})
    graphs = model.generate(model.noise(16, torch.Generator().manual_seed(0)))
    assert model.discriminate(graphs).shape == (4,)


def test_reward_network_learns_from_rdkit_scores_and_drives_the_generator():
    model = MolGAN(SCHEMA, {**TINY, "reward": "qed", "lambda_gan": 0.5, "diversity": 0.1})
    rng = torch.Generator().manual_seed(0)
    fake = tuple(t.detach() for t in model.generate(model.noise(32, rng)))
    real_nodes = torch.nn.functional.one_hot(torch.tensor([[1, 1, 2] + [0] * 6] * 32), 5).float()
    real_edges = torch.zeros(32, 9, 9, 4)
    real_edges[..., 0] = 1
    for i, j in ((0, 1), (1, 2)):  # C-C-O: ethanol
        real_edges[:, i, j] = real_edges[:, j, i] = torch.tensor([0.0, 1, 0, 0])
    rewards = model.rewards((real_nodes, real_edges))
    from rdkit.Chem import QED, MolFromSmiles
    assert torch.allclose(rewards, torch.full((32,), QED.qed(MolFromSmiles("CCO"))))
    repaired = real_edges[:1].clone()  # C-C#O: over O's valence; decodes to C-C=O at half reward
    repaired[:, 1, 2] = repaired[:, 2, 1] = torch.tensor([0.0, 0, 0, 1])
    assert model.rewards((real_nodes[:1], repaired)).item() == pytest.approx(QED.qed(MolFromSmiles("CC=O")) / 2)
    before = [p.clone() for p in model.reward_net.parameters()]
    logs = model.auxiliary_step(Batch(real=(real_nodes, real_edges)), fake, step=1)
    assert set(logs) == {"loss_reward", "reward_fake"}
    assert any(not torch.equal(a, b) for a, b in zip(before, model.reward_net.parameters()))
    extra = model.generator_extra_loss(model.generate(model.noise(32, rng)), Batch(), {})
    extra.backward()
    assert model.generator.node_head.weight.grad.abs().sum() > 0
    assert set(model.auxiliary_optimizers()) == {"reward"}


def test_log_prob_scores_the_drawn_graph_under_its_logits():
    model = MolGAN(SCHEMA, TINY)
    nodes, edges = model.generate(model.noise(4, torch.Generator().manual_seed(0)))
    node_logits, edge_logits = model.generator.last_logits
    lp = model.generator.log_prob((nodes, edges))
    iu = torch.triu_indices(9, 9, 1)
    by_hand = (torch.log_softmax(node_logits, -1).gather(-1, nodes.argmax(-1, keepdim=True)).sum((1, 2))
               + torch.log_softmax(edge_logits, -1)[:, iu[0], iu[1]].gather(
                   -1, edges.argmax(-1)[:, iu[0], iu[1], None]).sum((1, 2)))
    assert torch.allclose(lp, by_hand)


def test_policy_gradient_raises_the_reward_of_the_generator_samples():
    torch.manual_seed(0)
    model = MolGAN(SCHEMA, {**TINY, "reward": "qed", "rl": "policy", "lambda_gan": 0.5})
    assert model.auxiliary_optimizers() == {} and not hasattr(model, "reward_net")
    optimizer = torch.optim.Adam(model.generator.parameters(), lr=3e-2)
    rng = torch.Generator().manual_seed(0)
    rewards = []
    for step in range(80):
        loss = model.generator_extra_loss(model.generate(model.noise(64, rng)), Batch(), {})
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        rewards.append(model.last_reward)
    assert sum(rewards[-10:]) / 10 > sum(rewards[:10]) / 10 + 0.05  # mean QED of the samples (0.18 -> 0.27)
    assert model.auxiliary_step(Batch(), None, step=81) == {"reward_fake": rewards[-1]}


def test_repeat_decay_lowers_the_reward_of_molecules_drawn_before():
    model = MolGAN(SCHEMA, {**TINY, "reward": "qed", "rl": "policy", "repeat_decay": 2.0})
    first = model._repeat_weights(["CCO", "CCO", "CCN", None])
    assert first.tolist() == [1.0, 1.0, 1.0, 1.0]  # counts are of earlier batches
    again = model._repeat_weights(["CCO", "CCN", "CCC", None])
    assert again == pytest.approx([math.exp(-1.0), math.exp(-0.5), 1.0, 1.0])
    from genforge.errors import UserInputError
    with pytest.raises(UserInputError, match="repeat_decay must be >= 0"):
        MolGAN(SCHEMA, {**TINY, "repeat_decay": -1})
    with pytest.raises(UserInputError, match="rl='reinforce': choose critic"):
        MolGAN(SCHEMA, {**TINY, "rl": "reinforce"})


def test_batch_spread_is_zero_for_identical_graphs():
    model = MolGAN(SCHEMA, TINY)
    nodes, edges = model.generate(model.noise(1, torch.Generator().manual_seed(0)))
    same = (nodes.repeat(4, 1, 1), edges.repeat(4, 1, 1, 1))
    assert batch_spread(same).item() == 0.0
    assert batch_spread(model.generate(model.noise(4, torch.Generator().manual_seed(1)))).item() > 0


def test_relational_conv_equals_a_sum_of_torch_geometric_dense_graph_convs():
    from torch_geometric.nn import DenseGraphConv

    from genforge_molecule.networks import RelationalGraphConv

    torch.manual_seed(0)
    R, d_in, d_out = 3, 5, 7
    reference = [DenseGraphConv(d_in, d_out, aggr="add") for _ in range(R)]
    layer = RelationalGraphConv(d_in, d_out, R)
    with torch.no_grad():
        layer.lin_rel.weight.copy_(torch.cat([c.lin_rel.weight for c in reference], 1))
        layer.lin_rel.bias.copy_(sum(c.lin_rel.bias for c in reference))
        layer.lin_root.weight.copy_(sum(c.lin_root.weight for c in reference))
    h = torch.randn(4, 6, d_in)
    adjacency = (torch.rand(4, R, 6, 6) > 0.6).float()
    expected = sum(conv(h, adjacency[:, r]) for r, conv in enumerate(reference))
    assert torch.allclose(layer(h, adjacency), expected, atol=1e-5)
