"""The ASK CLI skill package that `python infra/package.py` assembles (into a tmp dir here)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from speaker_helper import interaction_model
from speaker_helper.handlers.questions import QUESTION_INTENTS
from speaker_helper.utterance_router import UtteranceRouter

PACKAGER = ROOT / "infra" / "package.py"
LOCALES = {"en-US", "en-GB", "en-CA", "en-AU", "en-IN"}
PLACEHOLDER = "arn:aws:lambda:REGION:ACCOUNT:function:REPLACE_ME"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:speaker-helper-SkillFunction-AbC123"
SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"


def package(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(PACKAGER), "--project", str(project), *args],
                          capture_output=True, text=True, timeout=60)


def files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ask-project")
    proc = package(root)
    assert proc.returncode == 0, proc.stderr
    return root


@pytest.fixture(scope="module")
def manifest(project) -> dict:
    return json.loads((project / "skill-package" / "skill.json").read_text(encoding="utf-8"))["manifest"]


def test_the_package_has_the_layout_the_ask_cli_reads(project):
    assert files(project) == {
        "ask-resources.json",
        ".ask/ask-states.json",
        "skill-package/skill.json",
        *(f"skill-package/interactionModels/custom/{locale}.json" for locale in LOCALES),
    }
    resources = json.loads((project / "ask-resources.json").read_text(encoding="utf-8"))
    assert resources["profiles"]["default"]["skillMetadata"]["src"] == "./skill-package"
    states = json.loads((project / ".ask" / "ask-states.json").read_text(encoding="utf-8"))
    assert states["profiles"]["default"]["skillId"] == ""  # `ask deploy` creates the skill


def test_every_locale_of_the_model_source_is_listed(manifest):
    assert set(interaction_model.load_source()["locales"]) == LOCALES
    assert set(manifest["publishingInformation"]["locales"]) == LOCALES
    assert set(manifest["publishingInformation"]["distributionCountries"]) == {"US", "GB", "CA", "AU", "IN"}


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_the_listing_is_derived_from_the_model(locale, manifest, kb):
    listing = manifest["publishingInformation"]["locales"][locale]
    model = interaction_model.build(interaction_model.load_source(), kb)[locale]
    invocation = model["interactionModel"]["languageModel"]["invocationName"]
    assert invocation == "speaker helper"
    assert listing["name"] == "Speaker Helper"
    assert invocation in listing["summary"] and len(listing["summary"]) <= 160
    phrases = listing["examplePhrases"]
    assert phrases[0] == f"Alexa, open {invocation}" and 1 <= len(phrases) <= 3
    router = UtteranceRouter(model)
    for phrase in phrases[1:]:
        prefix = f"Alexa, ask {invocation} "
        assert phrase.startswith(prefix)
        assert router.route(phrase[len(prefix):]).intent in QUESTION_INTENTS, phrase


def test_the_endpoint_is_a_placeholder_and_disabling_the_skill_is_subscribed(manifest):
    assert manifest["apis"]["custom"]["endpoint"]["uri"] == PLACEHOLDER
    assert manifest["events"]["endpoint"]["uri"] == PLACEHOLDER
    assert manifest["events"]["subscriptions"] == [{"eventName": "SKILL_DISABLED"}]


def test_no_permissions_and_the_compliance_answers(manifest):
    assert "permissions" not in manifest  # the skill asks for no customer data
    assert manifest["privacyAndCompliance"] == {
        "allowsPurchases": False, "usesPersonalInfo": False, "isChildDirected": False,
        "isExportCompliant": True, "containsAds": False,
    }


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_each_model_is_the_generated_one(locale, project, kb):
    packaged = json.loads((project / "skill-package" / "interactionModels" / "custom" / f"{locale}.json")
                          .read_text(encoding="utf-8"))
    assert packaged == interaction_model.build(interaction_model.load_source(), kb)[locale]
    assert packaged == json.loads((ROOT / "interaction_models" / f"{locale}.json").read_text(encoding="utf-8"))


def test_a_real_endpoint_and_skill_id(tmp_path):
    proc = package(tmp_path, "--endpoint", ARN, "--skill-id", SKILL_ID)
    assert proc.returncode == 0, proc.stderr
    body = json.loads((tmp_path / "skill-package" / "skill.json").read_text(encoding="utf-8"))["manifest"]
    assert body["apis"]["custom"]["endpoint"]["uri"] == ARN == body["events"]["endpoint"]["uri"]
    states = json.loads((tmp_path / ".ask" / "ask-states.json").read_text(encoding="utf-8"))
    assert states["profiles"]["default"]["skillId"] == SKILL_ID


def test_no_endpoint_for_creating_the_skill_first(tmp_path):
    proc = package(tmp_path, "--no-endpoint")
    assert proc.returncode == 0, proc.stderr
    body = json.loads((tmp_path / "skill-package" / "skill.json").read_text(encoding="utf-8"))["manifest"]
    assert body["apis"] == {"custom": {}}
    assert "events" not in body


def test_bad_values_are_refused(tmp_path):
    assert package(tmp_path, "--endpoint", "https://example.com/skill").returncode == 1
    assert package(tmp_path, "--skill-id", "my-skill").returncode == 1
    assert not (tmp_path / "skill-package").exists()


def test_packaging_again_keeps_the_skill_id_ask_deploy_recorded(tmp_path):
    assert package(tmp_path, "--skill-id", SKILL_ID).returncode == 0
    assert package(tmp_path).returncode == 0
    states = json.loads((tmp_path / ".ask" / "ask-states.json").read_text(encoding="utf-8"))
    assert states["profiles"]["default"]["skillId"] == SKILL_ID


def test_packaging_again_replaces_the_package(tmp_path):
    assert package(tmp_path).returncode == 0
    stray = tmp_path / "skill-package" / "interactionModels" / "custom" / "de-DE.json"
    stray.write_text("{}", encoding="utf-8")
    assert package(tmp_path).returncode == 0
    assert not stray.exists()
