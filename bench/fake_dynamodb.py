"""A tiny in-memory stand-in for a boto3 DynamoDB Table, for the warm and memory benchmarks.

It implements exactly what `speaker_helper.state_store.StateStore` uses (get_item, put_item with
the two condition expressions the store writes, delete_item) so that those benchmarks measure the
skill, not moto. Failed conditions raise botocore's ClientError with the real error code, so the
store's merge-on-conflict path behaves as it would against DynamoDB.
"""
from __future__ import annotations

import copy
from decimal import Decimal


def _to_dynamo(value):
    """DynamoDB gives numbers back as Decimal: so does the fake, so `_plain` is exercised."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_dynamo(v) for v in value]
    return value


class FakeTable:
    def __init__(self, key: str = "pk"):
        self.key = key
        self.items: dict[str, dict] = {}
        self.calls = 0

    def _conflict(self):
        from botocore.exceptions import ClientError

        return ClientError({"Error": {"Code": "ConditionalCheckFailedException",
                                      "Message": "The conditional request failed"}}, "PutItem")

    def get_item(self, Key, ConsistentRead=False, **_):
        self.calls += 1
        item = self.items.get(Key[self.key])
        return {"Item": copy.deepcopy(item)} if item is not None else {}

    def put_item(self, Item, ConditionExpression=None, ExpressionAttributeNames=None,
                 ExpressionAttributeValues=None, **_):
        self.calls += 1
        current = self.items.get(Item[self.key])
        if ConditionExpression:
            if ConditionExpression.startswith("attribute_not_exists"):
                if current is not None:
                    raise self._conflict()
            else:  # "#version = :expected"
                name = next(iter((ExpressionAttributeNames or {}).values()))
                expected = next(iter((ExpressionAttributeValues or {}).values()))
                if current is None or current.get(name) != expected:
                    raise self._conflict()
        self.items[Item[self.key]] = _to_dynamo(copy.deepcopy(Item))
        return {}

    def delete_item(self, Key, **_):
        self.calls += 1
        self.items.pop(Key[self.key], None)
        return {}


class FakeDynamoDB:
    """What `speaker_helper.wiring.build(dynamodb=...)` needs: `.Table(name)`."""

    def __init__(self):
        self.tables: dict[str, FakeTable] = {}

    def Table(self, name: str) -> FakeTable:  # noqa: N802 (boto3's spelling)
        return self.tables.setdefault(name, FakeTable())
