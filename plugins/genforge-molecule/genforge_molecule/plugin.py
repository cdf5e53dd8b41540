"""genforge entry point: registers the ``molecule`` domain, its datasets, model and metrics."""
from __future__ import annotations

from genforge.domain import DatasetSpec, MetricSpec, ModelSpec
from genforge.hookspecs import hookimpl
from genforge_molecule import corpus, metrics
from genforge_molecule.domain import MoleculeDomain
from genforge_molecule.latentgan import LATENTGAN_DEFAULTS, build_latentgan
from genforge_molecule.molgan import DEFAULTS, build_molgan
from genforge_molecule.report_section import register_report_sections  # noqa: F401  (report hook)

DOMAIN = MoleculeDomain()


@hookimpl
def register_domains(register):
    register(DOMAIN)


@hookimpl
def register_datasets(register):
    register(DatasetSpec("qm9", "molecule", corpus.load_qm9,
                         "QM9 (133k molecules, <= 9 heavy atoms C N O F) from the qm9pack wheel; "
                         "options: limit", sample_options={"limit": 2000}))
    register(DatasetSpec("qm9-sample", "molecule", corpus.load_qm9_sample,
                         "2,000 QM9 molecules bundled with the plugin (CC0)"))
    register(DatasetSpec("moses", "molecule", corpus.load_moses,
                         "MOSES train/test from the molsets wheel (pip install --no-deps molsets); "
                         "options: limit (default 200000; with codes = true, latentgan's SMILES-only path, "
                         "all 1,584,663), codes"))
    register(DatasetSpec("molecule-files", "molecule", corpus.load_file,
                         "SMILES (.smi/.txt, one per line, optional name), CSV with a SMILES column, SDF; "
                         "options: smiles_column, atom_types, max_atoms",
                         suffixes=(".smi", ".txt", ".csv", ".sdf")))


@hookimpl
def register_models(register):
    register(ModelSpec("molgan", "molecule", build_molgan,
                       "MolGAN: MLP generator of dense graphs (Gumbel-softmax), R-GCN discriminator "
                       "(DenseGraphConv per bond type, batched), reward network for RL (option reward)",
                       defaults=dict(DEFAULTS),
                       sample_options={"hidden": [32, 64], "conv": [16], "aggregate": 16, "mlp": [16]}))
    register(ModelSpec("latentgan", "molecule", build_latentgan,
                       "LatentGAN: WGAN-GP of MLPs in the code space of a SELFIES GRU autoencoder "
                       "(option autoencoder: bundled = the shipped MOSES one when it covers the molecules, else "
                       "train = pretrained when the model is built, cached); valid by construction; drug-sized",
                       defaults=dict(LATENTGAN_DEFAULTS),
                       sample_options={"hidden": [32], "critic": [32], "latent_dim": 8, "code_dim": 16,
                                       "ae_hidden": 32, "ae_embedding": 8, "ae_steps": 30,
                                       "ae_molecules": 300}))


def _metric(name, fn, higher, bounds, description):
    return MetricSpec(name, "molecule", fn, higher, bounds, description)


@hookimpl
def register_metrics(register):
    m = metrics
    register(_metric("validity", lambda s, r: m.validity(s), True, (0, 1),
                     "share of samples decoding to a valid molecule (valence-aware decoding)"))
    register(_metric("raw_validity", lambda s, r: m.raw_validity(s), True, (0, 1),
                     "share of sampled graphs valid as they are (no decoding fix)"))
    register(_metric("uniqueness", lambda s, r: m.uniqueness(s), True, (0, 1),
                     "unique valid canonical SMILES / valid (MOSES)"))
    register(_metric("novelty", lambda s, r: m.novelty(s, r.train_smiles), True, (0, 1),
                     "unique valid SMILES not in the training set / unique valid (MOSES)"))
    register(_metric("int_div1", lambda s, r: m.internal_diversity(s, 1), True, (0, 1),
                     "MOSES IntDiv1, Morgan r=2 1024 bits, Tanimoto"))
    register(_metric("int_div2", lambda s, r: m.internal_diversity(s, 2), True, (0, 1),
                     "MOSES IntDiv2"))
    register(_metric("filters", lambda s, r: m.filters(s), True, (0, 1),
                     "share of valid samples passing MOSES MCF + PAINS filters"))
    register(_metric("qed", lambda s, r: m.mean_property(s, "qed"), True, (0, 1),
                     "mean QED of unique valid samples"))
    register(_metric("sa", lambda s, r: m.mean_property(s, "sa"), False, (1, 10),
                     "mean synthetic accessibility (RDKit Contrib SA_Score) of unique valid samples"))
    register(_metric("logp", lambda s, r: m.mean_property(s, "logp"), True, (None, None),
                     "mean Crippen logP of unique valid samples (no direction; compare with the data)"))
    register(_metric("fcd", m.frechet_chemnet_distance, False, (0, None),
                     "Frechet ChemNet Distance to the test split; " + m.fcd_status()))


@hookimpl
def register_commands(register):
    from genforge_molecule.sample_command import COMMAND
    register(COMMAND)
