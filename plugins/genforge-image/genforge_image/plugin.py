"""genforge plugin module of the ``image`` domain (entry point ``image = "genforge_image.plugin"``)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from genforge.domain import DatasetSpec, ModelSpec
from genforge.hookspecs import hookimpl
from genforge.model import GANModel

from genforge_image.augment import AugmentedDiscriminator
from genforge_image.auxiliary_classifier import ConditionalImageGAN
from genforge_image.domain import ImageDomain
from genforge_image.evaluation import metric_specs
from genforge_image.loading import load_arrays, load_digits, load_folder
from genforge_image.networks import ImageDiscriminator, ImageGenerator
from genforge_image.samples import ImageSchema
from genforge_image.shapes import load_shapes
from genforge_image.writing import save_grid
from genforge_image.report_section import register_report_sections  # noqa: F401  (report hook)

DOMAIN = ImageDomain()
DCGAN_DEFAULTS = {"latent_dim": 64, "g_width": 32, "d_width": 32, "spectral_norm": True,
                  "g_spectral_norm": False, "augment": "auto", "conditional": True, "ac_weight": 0.0}
#: DiffAugment policy for ``augment = "auto"``: cutout (half the side) and colour jitter erase too
#: much of an 8x8 or 16x16 image for D to still see its class; larger images get all three.
AUTO_AUGMENT = {8: "translation", 16: "translation"}
FULL_AUGMENT = "color,translation,cutout"
GRID_SAMPLES = 100


def build_dcgan(schema: ImageSchema, options: dict[str, Any]) -> GANModel:
    """DCGAN-style pair sized by the schema; conditional (CBN G, projection D) when it has classes."""
    classes = schema.num_classes if options["conditional"] else 0
    if schema.num_classes and not classes:
        from genforge.errors import UserInputError
        raise UserInputError("model option conditional=false needs unlabelled data: "
                             "pass dataset option conditional=false as well")
    gen = ImageGenerator(options["latent_dim"], schema.size, schema.channels, classes,
                         options["g_width"], options["g_spectral_norm"])
    disc = ImageDiscriminator(schema.size, schema.channels, classes, options["d_width"],
                              options["spectral_norm"])
    policy = AUTO_AUGMENT.get(schema.size, FULL_AUGMENT) if options["augment"] == "auto" else options["augment"]
    disc = AugmentedDiscriminator(disc, policy)
    if classes and options["ac_weight"] > 0:
        return ConditionalImageGAN(gen, disc, options["latent_dim"], classes, options["ac_weight"])
    return GANModel(gen, disc, options["latent_dim"])


@hookimpl
def register_domains(register):
    register(DOMAIN)


@hookimpl
def register_datasets(register):
    register(DatasetSpec("digits", "image", load_digits,
                         "scikit-learn's bundled digits: 1,797 labelled 8x8 grayscale images",
                         sample_options={"classifier_steps": 100}))
    register(DatasetSpec("shapes", "image", load_shapes,
                         "synthetic coloured shapes (4 classes), 32x32 RGB, generated from a seed",
                         sample_options={"n": 80, "size": 16, "classifier_steps": 40}))
    register(DatasetSpec("image-folder", "image", load_folder,
                         "a folder of PNG/JPEG images; one subfolder per class gives labels", suffixes=("/",)))
    register(DatasetSpec("image-arrays", "image", load_arrays,
                         "NumPy .npy (images) or .npz (images, optional labels)", suffixes=(".npy", ".npz")))


@hookimpl
def register_models(register):
    register(ModelSpec("dcgan", "image", build_dcgan,
                       "DCGAN-style G/D sized by the image; CBN generator, projection D, spectral norm, "
                       "DiffAugment", defaults=dict(DCGAN_DEFAULTS),
                       sample_options={"g_width": 8, "d_width": 8, "latent_dim": 16}))


@hookimpl
def register_metrics(register):
    for spec in metric_specs("image"):
        register(spec)


@hookimpl
def on_eval(trainer, step, metrics):
    """Write ``samples/step-N.png`` (a labelled grid) at every evaluation of an image run."""
    if trainer.domain is not DOMAIN or trainer.run_dir is None:
        return None
    samples = trainer.sample(GRID_SAMPLES, seed=trainer.config.seed)
    save_grid(samples, Path(trainer.run_dir) / "samples" / f"step-{step:06d}.png")
    return None
