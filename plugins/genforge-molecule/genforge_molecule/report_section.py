"""The molecule domain's report sections: top candidates, properties vs training, where samples are lost.

Registered through genforge's ``register_report_sections`` hook (see genforge.report.hookspecs).
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from genforge.hookspecs import hookimpl
from genforge.report import Figure, Image, Note, ReportContext, ReportSectionSpec, Table, Text, png_of
from genforge_molecule.properties import property_table

TOP_CANDIDATES, PER_ROW, EXAMPLES, PROPERTY_SAMPLE = 24, 6, 5, 2000
PROPERTY_NAMES = {"qed": "QED", "sa": "SA score", "logp": "logP", "weight": "molecular weight"}


def scored_molecules(samples) -> tuple[list[str], dict[str, list[float]]]:
    """Unique valid SMILES and their properties: all of them when the metrics already computed them
    (cached on the samples), else the first PROPERTY_SAMPLE (QED + SA cost ~1 ms a molecule),
    scored once for every section (cached on the samples too)."""
    for key in ("unique_properties", "report_properties"):
        cached = samples.__dict__.get(key)
        if cached is not None:
            return samples.unique_valid[:len(cached["qed"])], cached
    cached = samples.__dict__["report_properties"] = property_table(samples.unique_valid[:PROPERTY_SAMPLE])
    return samples.unique_valid[:len(cached["qed"])], cached


def scored_note(samples) -> str:
    """How many of the unique valid samples the candidates and histograms are drawn from."""
    scored, unique = len(scored_molecules(samples)[0]), len(samples.unique_valid)
    return (f"all {unique} unique valid samples" if scored == unique else
            f"the first {scored} of {unique} unique valid samples (a random subset: samples are drawn "
            f"independently; QED and SA scores cost ~1 ms a molecule)")


def top_candidates(context: ReportContext) -> list[tuple[str, dict[str, float]]]:
    """Unique valid samples ranked by QED (then lower SA), with their scores."""
    smiles, props = scored_molecules(context.samples)
    scored = [(s, {k: props[k][i] for k in props}) for i, s in enumerate(smiles)]
    scored.sort(key=lambda item: (-np.nan_to_num(item[1]["qed"], nan=-1), np.nan_to_num(item[1]["sa"], nan=99)))
    return scored[:TOP_CANDIDATES]


def candidates_image(candidates, scored: str) -> Image:
    from rdkit import Chem
    from rdkit.Chem import Draw

    mols = [Chem.MolFromSmiles(s) for s, _ in candidates]
    legends = [f"QED {p['qed']:.2f}  SA {p['sa']:.1f}  logP {p['logp']:.1f}" for _, p in candidates]
    picture = Draw.MolsToGridImage(mols, molsPerRow=PER_ROW, subImgSize=(200, 180), legends=legends,
                                   returnPNG=False)
    return Image(png_of(picture), alt=f"the {len(mols)} best generated molecules by QED",
                 caption=f"Top candidates by QED (ties by synthetic accessibility) among {scored}")


def build_candidates(context: ReportContext) -> list:
    candidates = top_candidates(context)
    if not candidates:
        return [Note("no valid molecule among the samples: nothing to draw", "warning",
                     remedy="train longer, or check the raw validity curve in the training section")]
    in_training = context.reference.train_smiles if context.reference is not None else set()
    rows = [[s, p["qed"], p["sa"], p["logp"], p["weight"], "yes" if s in in_training else "no"]
            for s, p in candidates]
    return [candidates_image(candidates, scored_note(context.samples)),
            Table(["SMILES", "QED", "SA", "logP", "weight", "in training set"], rows)]


def build_properties(context: ReportContext) -> list:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    generated = scored_molecules(context.samples)[1]
    if not context.samples.unique_valid:
        return [Note("no valid molecule: no properties to plot", "warning")]
    # the real samples are a random pick of training molecules; their properties are cached on them
    reference = context.real_samples.unique_properties if context.real_samples is not None else {}
    names = list(PROPERTY_NAMES)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=[PROPERTY_NAMES[n] for n in names])
    for k, name in enumerate(names):
        for label, table, color in (("training set", reference, "#1f77b4"), ("generated", generated, "#ff7f0e")):
            values = [v for v in table.get(name, []) if v == v]
            if values:
                fig.add_trace(go.Histogram(x=values, histnorm="probability", nbinsx=30, name=label, opacity=0.55,
                                           marker_color=color, legendgroup=label, showlegend=k == 0), 1, k + 1)
    fig.update_layout(barmode="overlay", height=320, template="plotly_white", margin=dict(l=40, r=20, t=50, b=30),
                      title="Properties of unique valid molecules: generated vs training set")
    count = len(context.real_samples.unique_valid) if context.real_samples is not None else 0
    return [Figure(fig, caption=f"Generated: {scored_note(context.samples)}. Training set: {count} unique "
                                "molecules picked at random from it.")]


def loss_breakdown(context: ReportContext) -> tuple[list[list], dict[str, list[str]]]:
    """Where samples are lost: counts per stage and examples of each reason."""
    samples = context.samples
    train = context.reference.train_smiles if context.reference is not None else None
    total, smiles, raw = len(samples), samples.smiles, samples.raw_valid
    repaired = [s for s, ok in zip(smiles, raw) if s is not None and not ok]
    duplicates = Counter(samples.valid)
    repeated = [(s, c) for s, c in duplicates.most_common(EXAMPLES) if c > 1]
    copies = [s for s in samples.unique_valid if train is not None and s in train]
    rows = [["sampled graphs", total, ""],
            ["invalid as sampled (valence or disconnected)", int((~raw).sum()), "raw validity"],
            ["↳ of which repaired by decoding", len(repaired), ""],
            ["↳ of which lost (no molecule)", sum(s is None for s in smiles), "validity"],
            ["valid molecules", len(samples.valid), ""],
            ["repeats of an earlier sample", len(samples.valid) - len(samples.unique_valid), "uniqueness"],
            ["unique valid", len(samples.unique_valid), ""]]
    if train is not None:
        rows += [["↳ in the training set", len(copies), "novelty"],
                 ["↳ novel", len(samples.unique_valid) - len(copies), ""]]
    examples = {"repaired by decoding": repaired[:EXAMPLES],
                "most repeated": [f"{s} ×{c}" for s, c in repeated],
                "copies of training molecules": copies[:EXAMPLES]}
    return rows, examples


def build_breakdown(context: ReportContext) -> list:
    rows, examples = loss_breakdown(context)
    blocks = [Table(["stage", "molecules", "metric it lowers"], rows,
                    caption="Validity, uniqueness and novelty: where generated samples are lost")]
    for reason, items in examples.items():
        if items:
            blocks.append(Text(f"Examples, {reason}: " + ", ".join(items)))
    if context.reference is None:
        blocks.append(Note("the training set could not be reloaded: novelty is not broken down", "warning"))
    return blocks


@hookimpl
def register_report_sections(register):
    for name, title, build in (("molecule-candidates", "Top candidates", build_candidates),
                               ("molecule-properties", "Properties vs training", build_properties),
                               ("molecule-breakdown", "Validity, uniqueness, novelty", build_breakdown)):
        register(ReportSectionSpec(name, "molecule", title, build))
