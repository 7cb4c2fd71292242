"""DynamoDB for local runs and tests: moto in-process by default, or any endpoint given.

The table is created from its definition in template.yaml, so the local table and the deployed
one cannot drift. Not used by the Lambda.
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
TABLE_RESOURCE = "UsersTable"


def _template_loader():
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def tag(loader, suffix, node):  # !Ref, !GetAtt, !Sub ...: kept as plain data
        if isinstance(node, yaml.ScalarNode):
            return {suffix: loader.construct_scalar(node)}
        if isinstance(node, yaml.SequenceNode):
            return {suffix: loader.construct_sequence(node)}
        return {suffix: loader.construct_mapping(node)}

    Loader.add_multi_constructor("!", tag)
    return Loader


def load_template(path: Path = TEMPLATE) -> dict:
    import yaml

    return yaml.load(path.read_text(encoding="utf-8"), Loader=_template_loader())


def table_definition(path: Path = TEMPLATE) -> dict:
    """CreateTable arguments for the table as template.yaml declares it."""
    props = load_template(path)["Resources"][TABLE_RESOURCE]["Properties"]
    return {
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }


def ensure_table(client, name: str) -> None:
    try:
        client.describe_table(TableName=name)
    except client.exceptions.ResourceNotFoundException:
        client.create_table(TableName=name, **table_definition())
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})


@contextlib.contextmanager
def dynamodb(settings) -> Iterator[object]:
    """A DynamoDB client with the skill's table: the endpoint in settings, else moto in-process."""
    import os

    from .wiring import dynamodb_client

    if settings.dynamodb_endpoint:
        client = dynamodb_client(settings)
        ensure_table(client, settings.table_name)
        yield client
        return
    from moto import mock_aws

    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        os.environ.setdefault(key, value)
    with mock_aws():
        client = dynamodb_client(settings)
        ensure_table(client, settings.table_name)
        yield client
