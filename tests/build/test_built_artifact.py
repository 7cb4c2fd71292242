"""The artifact `sam build` made (.aws-sam/build/SkillFunction), run as Lambda would run it.

Each event in tests/events goes through the BUILT handler in a fresh interpreter whose sys.path
is the artifact first (as /var/task is in Lambda), then the standard library, then this venv's
site-packages for what the Lambda runtime or the test harness provides (boto3, moto). The child
starts moto, creates the table from the built template's KeySchema with plain boto3, and is
configured from the environment exactly as the built template configures the function. Any
module the handler loads from outside the artifact, other than the runtime's boto3 family,
fails the test: it would be missing in Lambda.

Skipped until `bash infra/sam.sh build` has made the artifact. The template builds for x86_64,
and the artifact's own native extensions (rapidfuzz's C++, onnxruntime, numpy) must load: there is
no fallback to this venv's copies.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import sysconfig
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import EVENTS, ROOT, load_event
from event_expectations import EXPECTED, check_event_response

BUILD = ROOT / ".aws-sam" / "build"
ARTIFACT = BUILD / "SkillFunction"
SOURCE = ROOT / "lambda" / "speaker_helper"
SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
TABLE_NAME = "speaker-helper-users-built"
# What the python3.11 Lambda runtime itself provides next to the artifact.
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"}
# What must never be packed: tools, tests, content sources, and boto3 (the runtime has it).
NOT_SHIPPED = {"tests", "knowledge", "yaml", "_yaml", "moto", "pytest", "_pytest", "hypothesis",
               "boto3", "botocore", "rank_bm25", "jsonschema"}
NOT_SHIPPED_DISTS = ("PyYAML", "moto", "pytest", "hypothesis", "boto3", "botocore")
EM_X86_64 = 62

pytestmark = pytest.mark.skipif(
    not ARTIFACT.is_dir(),
    reason="no built artifact at .aws-sam/build/SkillFunction: run `bash infra/sam.sh build` first",
)




CHILD = r"""
import json, sys
config = json.loads(sys.stdin.read())
# Started with -S, sys.path is the standard library alone: the artifact goes first, as /var/task.
sys.path[:] = [config["artifact"], *[p for p in sys.path if p], *config["site"]]
import os

def files(names):
    return {name: getattr(sys.modules[name], "__file__", None) for name in names}

# Lambda's init phase: the handler module is imported before anything else, so each module it
# needs is found in the artifact, the standard library or (wrongly) site-packages, not masked
# by one the harness happened to import first.
before = set(sys.modules)
from speaker_helper.app import handler
loaded = files(set(sys.modules) - before)

import boto3
from moto import mock_aws

with mock_aws():
    client = boto3.client("dynamodb", region_name=os.environ["AWS_DEFAULT_REGION"])
    client.create_table(TableName=os.environ["TABLE_NAME"], **config["table"])
    harness = set(sys.modules)
    response = handler(config["event"], None)  # the invocation: the first one builds the app
    loaded.update(files(set(sys.modules) - harness))
from rapidfuzz import fuzz
with open(config["result"], "w", encoding="utf-8") as out:
    json.dump({"response": response, "loaded": loaded, "rapidfuzz": fuzz.ratio.__module__}, out)
"""


def _built_template() -> dict:
    from speaker_helper.local_dynamodb import load_template

    return load_template(BUILD / "template.yaml")


def _function_environment(template: dict) -> dict[str, str]:
    """The function's variables as CloudFormation would set them with the parameter defaults."""
    parameters = {name: p.get("Default") for name, p in template["Parameters"].items()}
    parameters["SkillId"] = SKILL_ID
    resolved = {}
    for name, value in template["Resources"]["SkillFunction"]["Properties"]["Environment"]["Variables"].items():
        if isinstance(value, dict) and value.get("Ref") == "UsersTable":
            value = TABLE_NAME
        elif isinstance(value, dict) and "Ref" in value:
            value = parameters[value["Ref"]]
        assert not isinstance(value, dict), f"{name}: cannot resolve {value} offline"
        resolved[name] = str(value)
    return resolved


def _site_packages() -> list[str]:
    """This venv's site-packages: boto3 (the runtime's) and moto (the harness) come from there."""
    return sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})


OTHER_SKILL = "launch__for_another_skill"


def _cases() -> dict[str, dict]:
    """Every event file, and the launch event addressed to another skill."""
    cases = {p.stem: load_event(p.stem) for p in sorted(EVENTS.glob("*.json"))}
    other = load_event("launch__new_user")
    other["context"]["System"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    cases[OTHER_SKILL] = other
    return cases


@pytest.fixture(scope="module")
def built_results(tmp_path_factory) -> dict[str, dict | str]:
    """Each case through the built handler, each in its own fresh interpreter (a cold start),
    as many at once as there are cores. A case maps to its result or to why its child failed."""
    template = _built_template()
    table = {key: template["Resources"]["UsersTable"]["Properties"][key]
             for key in ("KeySchema", "AttributeDefinitions", "BillingMode")}
    workdir = tmp_path_factory.mktemp("built")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(workdir / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "no-aws-credentials"),
        # The artifact's own C++ extension, not the pure-Python fallback.
        "RAPIDFUZZ_IMPLEMENTATION": "cpp",
        **_function_environment(template),
        "LOG_LEVEL": "WARNING",
    }
    assert env["SKILL_ID"] == SKILL_ID and env["TABLE_NAME"] == TABLE_NAME

    def run(case: tuple[str, dict]) -> tuple[str, dict | str]:
        name, event = case
        result = workdir / f"{name}.json"
        config = {"artifact": str(ARTIFACT), "site": _site_packages(), "table": table,
                  "event": event, "result": str(result)}
        # -S: no site (so no .pth, no editable install of the source tree), -E: no PYTHON* vars,
        # -B: no __pycache__ written into the artifact that `sam deploy` would upload.
        proc = subprocess.run([sys.executable, "-S", "-E", "-B", "-c", CHILD], input=json.dumps(config),
                              capture_output=True, text=True, env=env, cwd=workdir, timeout=120)
        if proc.returncode != 0:
            return name, f"the built handler failed on {name}:\n{proc.stderr[-4000:]}"
        return name, json.loads(result.read_text(encoding="utf-8"))

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return dict(pool.map(run, _cases().items()))


def _result(results: dict, name: str) -> dict:
    result = results[name]
    if isinstance(result, str):
        pytest.fail(result, pytrace=False)
    return result


def _outside_artifact(loaded: dict) -> set[str]:
    """Top-level packages the handler loaded from neither the artifact, the runtime nor stdlib."""
    site = _site_packages()
    outside = set()
    for name, file in loaded.items():
        if not file or file.startswith(str(ARTIFACT) + os.sep):
            continue
        if any(file.startswith(s + os.sep) for s in site) and name.split(".")[0] not in RUNTIME_PROVIDED:
            outside.add(name.split(".")[0])
    return outside


@pytest.mark.parametrize("name", sorted(p.stem for p in EVENTS.glob("*.json")))
def test_event_through_the_built_handler(name, built_results):
    assert name in EXPECTED, f"tests/events/{name}.json has no expectation in tests/event_expectations.py"
    event = load_event(name)
    result = _result(built_results, name)
    check_event_response(name, event, result["response"])
    assert _outside_artifact(result["loaded"]) == set(), "the handler needs packages the artifact lacks"
    assert result["loaded"]["speaker_helper.app"].startswith(str(ARTIFACT))
    # The app is built on the first request, with the sentence encoder from the artifact.
    assert (result["loaded"].get("onnxruntime") or "").startswith(str(ARTIFACT)), result["loaded"].get("onnxruntime")
    assert "_cpp" in result["rapidfuzz"], result["rapidfuzz"]   # fuzz_cpp or fuzz_cpp_avx2


def test_the_built_handler_rejects_another_skill(built_results):
    assert _result(built_results, OTHER_SKILL)["response"] == {"version": "1.0", "response": {}}


def test_the_artifact_has_the_package_and_its_data():
    assert (ARTIFACT / "speaker_helper" / "app.py").is_file()
    knowledge = ARTIFACT / "speaker_helper" / "data" / "knowledge.json"
    assert knowledge.is_file()
    assert json.loads(knowledge.read_text(encoding="utf-8"))  # parses, not empty
    for dependency in ("ask_sdk_core", "ask_sdk_model", "ask_sdk_runtime", "rapidfuzz"):
        assert (ARTIFACT / dependency / "__init__.py").is_file(), f"{dependency} is not packed"


def test_the_artifact_is_built_from_the_current_source():
    def digests(root: Path) -> dict[str, str]:
        return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*"))
                if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}

    assert digests(ARTIFACT / "speaker_helper") == digests(SOURCE), (
        "the artifact is stale: run `bash infra/sam.sh build`")


def test_the_artifact_ships_no_tests_tools_or_sources():
    top = {p.name for p in ARTIFACT.iterdir()}
    assert top & NOT_SHIPPED == set()
    dists = {p.name for p in ARTIFACT.glob("*.dist-info")}
    assert [d for d in dists if d.lower().startswith(tuple(n.lower() + "-" for n in NOT_SHIPPED_DISTS))] == []
    assert sorted(str(p.relative_to(ARTIFACT)) for p in ARTIFACT.rglob("*.y*ml")) == []
    assert sorted(str(p.relative_to(ARTIFACT)) for p in ARTIFACT.rglob("conftest.py")) == []


def test_the_native_code_is_built_for_x86_64():
    extensions = sorted(ARTIFACT.rglob("*.so"))
    assert any(p.parts[len(ARTIFACT.parts)] == "rapidfuzz" for p in extensions), "rapidfuzz has no extension"
    for path in extensions:
        header = path.read_bytes()[:20]
        assert header[:4] == b"\x7fELF" and header[4] == 2, f"{path.name} is not a 64-bit ELF"
        machine = int.from_bytes(header[18:20], "little")
        assert machine == EM_X86_64, f"{path.relative_to(ARTIFACT)} is for ELF machine {machine}, not x86_64"


def test_the_artifact_fits_lambda():
    size = sum(p.stat().st_size for p in ARTIFACT.rglob("*") if p.is_file())
    assert size < 250 * 1024 * 1024, f"{size} bytes unzipped: over Lambda's 250 MB"
