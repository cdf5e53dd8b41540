"""The target classifier (CTAB-GAN's auxiliary loss): trained on real rows, target masked."""
import torch

from genforge_tabular import TabularGAN
from genforge_tabular.bundled import TableSource
from genforge_tabular.networks import TargetClassifier
from genforge_tabular.plugin import _DOMAIN


def test_classifier_learns_the_target_from_the_other_columns_only(mixed_table):
    data = _DOMAIN.prepare(TableSource(mixed_table, "t"), {"target": "label"}, 0)
    block = data.schema.target_block()
    rows = data.encoded[:]  # dense
    torch.manual_seed(0)
    clf = TargetClassifier(rows.shape[1], block, hidden=(32,))
    # the target's own block is masked: flipping it does not change the prediction
    flipped = rows.clone()
    flipped[:, block[0]:block[1]] = flipped[:, block[0]:block[1]].flip(1)
    clf.eval()
    assert torch.equal(clf.net(rows * clf.mask), clf.net(flipped * clf.mask))
    clf.train()
    optimizer = torch.optim.Adam(clf.parameters(), lr=1e-2)
    first = clf.loss(rows).item()
    for _ in range(150):
        optimizer.zero_grad()
        clf.loss(rows).backward()
        optimizer.step()
    clf.eval()
    labels = rows[:, block[0]:block[1]].argmax(1)
    accuracy = (clf.net(rows * clf.mask).argmax(1) == labels).float().mean().item()
    majority = torch.bincount(labels).max().item() / len(labels)
    # colour tells the 15 % rare class apart (red 80 % of rare rows, 10 % of common ones)
    assert clf.loss(rows).item() < first and accuracy > majority + 0.03


def test_the_model_has_a_classifier_only_with_a_target_and_a_weight(mixed_table, tiny):
    with_target = TabularGAN(steps=4, target="label", **tiny).fit(mixed_table)
    assert with_target.model_.classifier is not None
    steps = [v["step"] for v in with_target.model_.classifier_optimizer.state.values()]
    assert steps and all(int(s) == 4 for s in steps)  # one classifier update per training step
    assert TabularGAN(steps=4, **tiny).fit(mixed_table).model_.classifier is None
    assert TabularGAN(steps=4, target="label", classifier_weight=0.0, **tiny).fit(mixed_table).model_.classifier is None


def test_classifier_loss_stays_fp32_under_bf16_autocast(mixed_table):
    data = _DOMAIN.prepare(TableSource(mixed_table, "t"), {"target": "label"}, 0)
    torch.manual_seed(0)
    clf = TargetClassifier(data.encoded.shape[1], data.schema.target_block(), hidden=(32,))
    seen = []
    clf.net[0].register_forward_hook(lambda m, a, out: seen.append(out.dtype))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = clf.loss(data.encoded[:].bfloat16())
    assert seen == [torch.float32] and loss.dtype == torch.float32
    assert torch.allclose(loss, clf.loss(data.encoded[:]), atol=1e-2)
