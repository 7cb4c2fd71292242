"""template.yaml -> the plain CloudFormation JSON that the SAM transform turns it into, offline.

cfn-lint 1.x no longer runs the SAM translator: it checks a SAM template against SAM's own
schemas, so the IAM role, the Lambda permission for the Alexa trigger and the other resources
the transform generates are never linted. `infra/sam.sh lint` runs this and then cfn-lint on
the output.

Run with .venv-sam's interpreter (it has aws-sam-translator):

    .venv-sam/bin/python infra/translate_template.py template.yaml -o .aws-sam/translated.json

Offline on purpose: the SkillId parameter gets a valid sample value, a local CodeUri is
replaced with a placeholder S3 location (what `sam package` would upload it to), the region is
AWS_DEFAULT_REGION (us-east-1 by default) and managed policy names are not looked up in IAM.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import boto3
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

SAMPLE_PARAMETERS = {"SkillId": "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"}
PACKAGED_CODE = "s3://speaker-helper-artifacts/{logical_id}.zip"
LOCAL_ARTIFACTS = {  # resource type -> property that names a local path until `sam package`
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}


def package_locally(template: dict) -> dict:
    """Point local code paths at placeholder S3 objects, as `sam package` would."""
    for logical_id, resource in template.get("Resources", {}).items():
        prop = LOCAL_ARTIFACTS.get(resource.get("Type"))
        if not prop:
            continue
        properties = resource.setdefault("Properties", {})
        value = properties.get(prop)
        if isinstance(value, str) and not value.startswith("s3://"):
            properties[prop] = PACKAGED_CODE.format(logical_id=logical_id)
    return template


def no_managed_policy_lookup() -> dict[str, str]:
    # Only policy names (not ARNs or SAM policy templates) need IAM; offline they cannot resolve.
    return {}


def translate(template_text: str, parameters: dict[str, str], region: str) -> dict:
    template = package_locally(yaml_parse(template_text))
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    return translator.translate(template, parameter_values=dict(parameters),
                                get_managed_policy_map=no_managed_policy_lookup)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template", type=Path, nargs="?", default=Path("template.yaml"))
    parser.add_argument("-o", "--output", type=Path, help="where to write the JSON (default: stdout)")
    parser.add_argument("--parameter", action="append", default=[], metavar="KEY=VALUE",
                        help="a template parameter value (SkillId has a sample value by default)")
    parser.add_argument("--region", default=os.environ.get("AWS_DEFAULT_REGION") or "us-east-1")
    args = parser.parse_args(argv)

    parameters = dict(SAMPLE_PARAMETERS)
    for item in args.parameter:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--parameter {item!r} is not KEY=VALUE")
        parameters[key] = value
    try:
        output = translate(args.template.read_text(encoding="utf-8"), parameters, args.region)
    except InvalidDocumentException as exc:
        print(f"{args.template}: {exc.message}", file=sys.stderr)
        for cause in exc.causes:
            print(f"  {cause.message}", file=sys.stderr)
        return 1
    text = json.dumps(output, indent=2) + "\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
