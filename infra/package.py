"""Assemble the ASK CLI skill package: `python infra/package.py` -> build/skill-package/.

    build/
      ask-resources.json                     the ASK CLI v2 project file (skill metadata only)
      .ask/ask-states.json                   which skill `ask deploy` updates: --skill-id, else kept
                                             (a new, empty one creates a skill)
      skill-package/
        skill.json                           infra/skill-package/skill.json + the store listing
        interactionModels/custom/<locale>.json   copied from interaction_models/<locale>.json

The manifest's fixed parts (distribution, privacy and compliance, the custom endpoint, the
SKILL_DISABLED subscription) are in infra/skill-package/skill.json; the store listing (name,
summary, description, keywords, example phrases) is in infra/skill-package/listing.json, written
once for every English locale and filled in per locale from that locale's interaction model:
`{invocation}` becomes its invocation name, and each example phrase is one of the model's own
samples with its slots filled, so a phrase the model cannot hear fails here, not in
certification.

The endpoint is a placeholder (arn:aws:lambda:REGION:ACCOUNT:function:REPLACE_ME) unless
--endpoint gives the stack's SkillFunctionArn output; --no-endpoint leaves the endpoint and the
event subscription out, for creating the skill before the stack exists (infra/README-deploy.md).
Standard library only.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "infra" / "skill-package"
MODELS = ROOT / "interaction_models"
DEFAULT_PROJECT = ROOT / "build"
PLACEHOLDER_ENDPOINT = "arn:aws:lambda:REGION:ACCOUNT:function:REPLACE_ME"
LAMBDA_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$")
SKILL_ID = re.compile(r"^amzn1\.ask\.skill\.[0-9a-fA-F-]+$")
# Limits the developer console enforces on a locale's listing.
MAX_SUMMARY, MAX_DESCRIPTION, MAX_EXAMPLE_PHRASES, MAX_KEYWORDS = 160, 4000, 3, 30


class PackageError(Exception):
    pass


def load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _fill(sample: str, slots: dict[str, str], intent: dict, locale: str) -> str:
    declared = {slot["name"] for slot in intent.get("slots", [])}
    wanted = set(re.findall(r"{(\w+)}", sample))
    if wanted != set(slots) or not wanted <= declared:
        raise PackageError(f"{locale}: example phrase {sample!r}: slots {sorted(slots)} do not fill "
                           f"{sorted(wanted)} of {intent['name']} (declared: {sorted(declared)})")
    text = sample
    for name, value in slots.items():
        text = text.replace("{" + name + "}", value)
    return re.sub(r"\bi\b", "I", text)


def example_phrases(specs: list[dict], model: dict, locale: str) -> list[str]:
    """Each phrase as Alexa hears it: the launch phrase, or 'ask <invocation>' + a model sample."""
    language = model["interactionModel"]["languageModel"]
    invocation = language["invocationName"]
    intents = {intent["name"]: intent for intent in language["intents"]}
    phrases = []
    for spec in specs:
        if spec.get("launch"):
            phrases.append(f"Alexa, open {invocation}")
            continue
        intent = intents.get(spec["intent"])
        if intent is None:
            raise PackageError(f"{locale}: example phrase names intent {spec['intent']!r}, not in the model")
        if spec["sample"] not in intent.get("samples", []):
            raise PackageError(f"{locale}: {spec['sample']!r} is not a sample of {spec['intent']} in the model")
        phrases.append(f"Alexa, ask {invocation} {_fill(spec['sample'], spec.get('slots', {}), intent, locale)}")
    if not phrases or len(phrases) > MAX_EXAMPLE_PHRASES:
        raise PackageError(f"{locale}: {len(phrases)} example phrases; 1 to {MAX_EXAMPLE_PHRASES} are allowed")
    return phrases


def locale_listing(listing: dict, model: dict, locale: str) -> dict:
    invocation = model["interactionModel"]["languageModel"]["invocationName"]
    entry = {
        "name": listing["name"],
        "summary": listing["summary"].format(invocation=invocation),
        "description": listing["description"].format(invocation=invocation),
        "examplePhrases": example_phrases(listing["examplePhrases"], model, locale),
        "keywords": list(listing["keywords"]),
    }
    for field, limit in (("summary", MAX_SUMMARY), ("description", MAX_DESCRIPTION)):
        if len(entry[field]) > limit:
            raise PackageError(f"{locale}: {field} has {len(entry[field])} characters; the limit is {limit}")
    if len(entry["keywords"]) > MAX_KEYWORDS:
        raise PackageError(f"{locale}: {len(entry['keywords'])} keywords; the limit is {MAX_KEYWORDS}")
    return entry


def manifest(locales: list[str], listing: dict, endpoint: str | None) -> dict:
    skill = load_json(SOURCE / "skill.json")
    body = skill["manifest"]
    body["publishingInformation"]["locales"] = {
        locale: locale_listing(listing, load_json(MODELS / f"{locale}.json"), locale) for locale in locales
    }
    if endpoint is None:
        body["apis"]["custom"].pop("endpoint", None)
        body.pop("events", None)
    else:
        body["apis"]["custom"]["endpoint"]["uri"] = endpoint
        body["events"]["endpoint"]["uri"] = endpoint
    return skill


def check_locales(locales: list[str]) -> None:
    available = {p.stem for p in MODELS.glob("*.json")}
    missing = [locale for locale in locales if locale not in available]
    if missing:
        raise PackageError(f"no interaction model for {missing} in {MODELS.relative_to(ROOT)}")
    unlisted = sorted(available - set(locales))
    if unlisted:
        raise PackageError(f"interaction models {unlisted} are not in infra/skill-package/listing.json")


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def assemble(project: Path, endpoint: str | None = PLACEHOLDER_ENDPOINT, skill_id: str | None = None,
             profile: str = "default") -> Path:
    """Write the package under project/skill-package (replacing it) and the ASK CLI project files."""
    if endpoint is not None and endpoint != PLACEHOLDER_ENDPOINT and not LAMBDA_ARN.match(endpoint):
        raise PackageError(f"--endpoint {endpoint!r} is not a Lambda function ARN")
    if skill_id is not None and not SKILL_ID.match(skill_id):
        raise PackageError(f"--skill-id {skill_id!r} is not an Alexa skill id")
    source = load_json(SOURCE / "listing.json")
    locales = source["locales"]
    check_locales(locales)
    skill = manifest(locales, source["listing"], endpoint)

    package = project / "skill-package"
    if package.exists():
        shutil.rmtree(package)
    write_json(package / "skill.json", skill)
    for locale in locales:
        target = package / "interactionModels" / "custom" / f"{locale}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(MODELS / f"{locale}.json", target)
    write_json(project / "ask-resources.json", {
        "askcliResourcesVersion": "2020-03-31",
        "profiles": {profile: {"skillMetadata": {"src": "./skill-package"}}},
    })
    # As `ask init` writes it. An existing file may hold the id of a skill `ask deploy` created:
    # it is replaced only when --skill-id is given, so no second skill gets created by accident.
    states = project / ".ask" / "ask-states.json"
    if skill_id or not states.exists():
        write_json(states, {
            "askcliStatesVersion": "2020-03-31",
            "profiles": {profile: {"skillId": skill_id or ""}},
        })
    return package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Assemble the ASK CLI skill package into build/skill-package/.")
    parser.add_argument("--project", type=Path, default=DEFAULT_PROJECT,
                        help="the ASK CLI project directory to write (default: build)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--endpoint", default=PLACEHOLDER_ENDPOINT, metavar="ARN",
                       help="the function ARN (the stack's SkillFunctionArn output); default: a placeholder")
    where.add_argument("--no-endpoint", action="store_true",
                       help="leave out the endpoint and the SKILL_DISABLED subscription (to create the skill first)")
    parser.add_argument("--skill-id", help="write .ask/ask-states.json so `ask deploy` updates this skill "
                                           "(without it an existing file is kept)")
    parser.add_argument("--ask-profile", default="default", help="the ASK CLI profile (default: default)")
    args = parser.parse_args(argv)
    try:
        package = assemble(args.project.resolve(), None if args.no_endpoint else args.endpoint,
                           args.skill_id, args.ask_profile)
    except PackageError as exc:
        print(f"package error: {exc}", file=sys.stderr)
        return 1
    shown = package.relative_to(ROOT) if package.is_relative_to(ROOT) else package
    print(f"wrote {shown}")
    if not args.no_endpoint and args.endpoint == PLACEHOLDER_ENDPOINT:
        print("the endpoint is a placeholder: pass --endpoint <SkillFunctionArn> before `ask deploy`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
