"""The interaction models: generated for every locale from `interaction_models/source.yaml` and the
catalogue in the knowledge base, so the models cannot drift from each other or from the content.

Used by `make models` (write), `make test` (check) and the local utterance router; not by the
Lambda. Needs PyYAML.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .knowledge_base import KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = ROOT / "interaction_models"
SOURCE = MODELS_DIR / "source.yaml"


def load_source(path: Path = SOURCE) -> dict:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _catalogue_types(kb: KnowledgeBase) -> list[dict]:
    def values(items):
        return [{"id": i.id, "name": {"value": i.name.lower(),
                                        "synonyms": [s for s in i.synonyms if s != i.name.lower()]}}
                for i in items]

    return [
        {"name": "ECHO_MODEL", "values": values(kb.echo_models.values())},
        {"name": "SPEAKER_BRAND", "values": values(kb.brands.values())},
    ]


def build(source: dict, kb: KnowledgeBase) -> dict[str, dict]:
    """locale -> the interaction model JSON document."""
    intents = []
    for intent in source["intents"]:
        slots = intent.get("slots") or {}
        intents.append({
            "name": intent["name"],
            "slots": [{"name": name, "type": kind} for name, kind in slots.items()],
            "samples": list(intent.get("samples") or []),
        })
    types = _catalogue_types(kb) + [
        {"name": name, "values": [{"id": v["id"], "name": {"value": v["value"], "synonyms": v.get("synonyms", [])}}
                                  for v in values]}
        for name, values in (source.get("slot_types") or {}).items()
    ]
    document = {"interactionModel": {"languageModel": {
        "invocationName": source["invocation_name"],
        "intents": intents,
        "types": types,
    }}}
    return {locale: document for locale in source["locales"]}


def render(model: dict) -> str:
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def write(kb: KnowledgeBase, directory: Path = MODELS_DIR) -> list[Path]:
    written = []
    for locale, model in build(load_source(), kb).items():
        path = directory / f"{locale}.json"
        path.write_text(render(model), encoding="utf-8")
        written.append(path)
    return written


def drift(kb: KnowledgeBase, directory: Path = MODELS_DIR) -> list[str]:
    """Locales whose JSON file differs from what the source generates (empty = in sync)."""
    problems = []
    for locale, model in build(load_source(), kb).items():
        path = directory / f"{locale}.json"
        if not path.exists() or path.read_text(encoding="utf-8") != render(model):
            problems.append(f"{path.name} is out of date: run `make models`")
    return problems


def load_model(locale: str = "en-US", directory: Path = MODELS_DIR) -> dict[str, Any]:
    return json.loads((directory / f"{locale}.json").read_text(encoding="utf-8"))
