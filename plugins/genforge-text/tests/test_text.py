"""The text domain: reading corpora, encoding, metrics, conditions, the n-gram baseline, training."""
from __future__ import annotations

import pytest
import torch

from genforge import UserInputError
from genforge.plugins import get_registry
from genforge.testing import ConformanceKit
from genforge_text.baseline import CharNGramModel
from genforge_text.corpus import read_corpus
from genforge_text.encoding import END, CharSchema
from genforge_text.metrics import (TextReference, length_distance, ngram_precision, ngram_recall, ngrams,
                                   novelty, uniqueness, validity)
from genforge_text.models import CharGenerator
from genforge_text.plugin import TextDomain, load_names


def test_txt_reports_blank_and_overlong_lines(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("alpha\n\nbeta\n" + "x" * 30 + "\ngamma\n", encoding="utf-8")
    corpus = read_corpus(path, max_length=24)
    assert corpus.texts == ["alpha", "beta", "gamma"] and corpus.categories is None
    assert corpus.report.total == 5 and corpus.report.used == 3
    assert corpus.report.skipped == {"blank text": 1, "longer than max_length 24": 1}
    assert corpus.report.examples["blank text"] == ["line 2"]


def test_tsv_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("name\tcategory\nAnn\tf\n", encoding="utf-8")
    with pytest.raises(UserInputError, match=r"bad.tsv, line 1: header 'name\\tcategory' has no 'text' column"):
        read_corpus(bad)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Jos\xe9\n".encode("latin-1"))
    with pytest.raises(UserInputError, match="latin.txt: not UTF-8 text"):
        read_corpus(latin)
    ok = tmp_path / "ok.tsv"
    ok.write_text("text\tcategory\nAnn\tf\nBob\t\n", encoding="utf-8")
    corpus = read_corpus(ok)
    assert corpus.texts == ["Ann"] and corpus.categories == ["f"] and corpus.report.skipped == {"no category": 1}


def test_one_hot_round_trip_and_schema_state():
    schema = CharSchema.fit(["Ann", "Bob", "Zoë"], ["f", "m", "f"])
    assert schema.max_len == 4 and schema.vocab_size == len("ABZbnoë") + 1
    assert schema.category_freq == pytest.approx([2 / 3, 1 / 3])
    hot = schema.one_hot(["Ann", "Zoë", "Bo"])
    assert hot.shape == (3, 4, schema.vocab_size) and hot[2, 2:].argmax(-1).tolist() == [END, END]
    assert schema.decode(hot) == ["Ann", "Zoë", "Bo"]
    assert CharSchema.from_state(schema.to_state()) == schema


REF = TextReference(train={"anna", "bob"}, heldout=["anne", "bobby"])


def test_metrics_on_hand_computed_examples():
    samples = ["anna", "zz", "anne", "anne"]
    assert novelty(samples, REF) == 0.75
    assert uniqueness(samples, REF) == 0.75
    assert validity(samples, REF) == 0.25  # 'zz' starts badly; 'anne' has an 'e' never seen inside
    assert ngrams("bo", 3) == ["\x02bo", "bo\x03"]
    # 2-grams of "bob": ^b bo ob b$ -> ^b, bo, ob in held-out ("bobby"), b$ not: 3/4
    assert ngram_precision(["bob"], REF) == pytest.approx((3 / 4 + 2 / 3 + 1 / 2) / 3)
    assert ngram_precision(REF.heldout, REF) == 1.0 and ngram_recall(REF.heldout, REF) == 1.0
    # lengths {4, 4} vs {4, 5}: CDFs differ by 0.5 at length 4 only
    assert length_distance(["abcd", "abcd"], REF) == pytest.approx(0.5)
    assert length_distance(REF.heldout, REF) == 0.0


def test_condition_by_category_and_training_mix():
    domain = TextDomain()
    schema = CharSchema.fit(["Ann", "Bob", "Eve"], ["f", "m", "f"])
    rng = torch.Generator().manual_seed(0)
    assert domain.condition({"category": "m"}, 3, schema, rng).tolist() == [1, 1, 1]
    drawn = domain.condition({}, 3000, schema, rng)
    assert abs(drawn.float().mean().item() - 1 / 3) < 0.03
    with pytest.raises(UserInputError, match="unknown category; known: f, m"):
        domain.condition({"category": "x"}, 3, schema, rng)
    with pytest.raises(UserInputError, match="only condition is 'category'"):
        domain.condition({"colour": "red"}, 3, schema, rng)


def test_generator_writes_only_end_after_the_first_end():
    torch.manual_seed(0)
    gen = CharGenerator(latent_dim=4, hidden=8, vocab=5, length=10, num_classes=0, embed=4)
    out = gen(torch.randn(64, 4))
    labels = out.argmax(-1)
    ended = torch.cumsum((labels == END).long(), 1) > 0
    assert (labels[ended] == END).all() and ended.any()
    assert torch.allclose(out.sum(-1), torch.ones(64, 10))  # hard one-hots


def test_trigram_baseline_only_emits_seen_trigrams_and_is_seeded():
    texts = ["anna", "hanna", "johanna", "joan"]
    model = CharNGramModel(order=3).fit(texts)
    seen = {g for t in texts for g in ngrams(t, 3)}
    samples = model.sample(200, torch.Generator().manual_seed(1))
    assert all(g in seen for t in samples for g in ngrams(t, 3))
    assert samples == model.sample(200, torch.Generator().manual_seed(1))
    assert len(set(samples)) > 4  # it does invent names beyond the four it saw


def test_names_corpus_split_keeps_held_out_texts_out_of_training():
    data = TextDomain().prepare(load_names(None, {}), {}, seed=0)
    ref = data.reference
    assert data.size > 3400 and len(ref.heldout) > 400 and len(data.real_samples) > 400
    assert not (set(ref.heldout) & ref.train) and not (set(data.real_samples) & ref.train)
    assert data.schema.categories == ["female", "male"]


def test_conditional_sampling_from_a_trained_run(tmp_path):
    from genforge.runs import Run

    kit = ConformanceKit(work_dir=tmp_path)
    result = kit.train("text", "char-gru")
    run = Run(result.run_dir, get_registry(), device="cpu")
    out = tmp_path / "female.txt"
    assert run.sample_to(out, 50, {"category": "female"}, seed=3) == 50
    assert len(out.read_text(encoding="utf-8").splitlines()) == 50
    with pytest.raises(UserInputError, match="unknown category"):
        run.sample(5, {"category": "other"})
