"""A tiny in-memory stand-in for DynamoDB, for the warm and memory benchmarks.

It implements exactly what `speaker_helper.state_store.StateStore` uses: get_item, put_item with the
two condition expressions the store writes (`attribute_not_exists(pk)`, `#version = :expected`) and
delete_item. That way those benchmarks measure the skill, not moto. It serves both shapes the
store has had: the low-level client (`client.get_item(TableName=..., Key={"pk": {"S": ...}})`, typed
attribute values) and the resource's Table (`resource.Table(name).get_item(Key={"pk": ...})`, plain
values with Decimal numbers). Failed conditions raise botocore's ClientError with the real error
code, so the store's merge-on-conflict path behaves as it would against DynamoDB.
"""
from __future__ import annotations

import copy
from decimal import Decimal


def _conflict(operation: str):
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": "ConditionalCheckFailedException",
                                  "Message": "The conditional request failed"}}, operation)


def _decimals(value):
    """The resource API gives numbers back as Decimal: so does the fake."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    return value


class _Items:
    """One table: items by key, in whatever shape the API in use writes them."""

    def __init__(self, key: str):
        self.key = key
        self.items: dict = {}

    @staticmethod
    def _hashable(value):
        return repr(value) if isinstance(value, dict) else value

    def get(self, key_value):
        return self.items.get(self._hashable(key_value))

    def put(self, item: dict, condition, names, values, operation: str) -> None:
        current = self.get(item[self.key])
        if condition:
            if condition.startswith("attribute_not_exists"):
                if current is not None:
                    raise _conflict(operation)
            else:  # "#version = :expected"
                name = next(iter((names or {}).values()))
                expected = next(iter((values or {}).values()))
                if current is None or current.get(name) != expected:
                    raise _conflict(operation)
        self.items[self._hashable(item[self.key])] = item

    def delete(self, key_value) -> None:
        self.items.pop(self._hashable(key_value), None)


class FakeTable:
    """The resource API's Table, for the store as it was (plain values, Decimal numbers)."""

    def __init__(self, owner: "FakeDynamoDB | None" = None, key: str = "pk"):
        self._owner = owner
        self._items = _Items(key)
        self.calls = 0

    def _count(self):
        self.calls += 1
        if self._owner is not None:
            self._owner.calls += 1

    def get_item(self, Key, ConsistentRead=False, **_):
        self._count()
        item = self._items.get(Key[self._items.key])
        return {"Item": copy.deepcopy(item)} if item is not None else {}

    def put_item(self, Item, ConditionExpression=None, ExpressionAttributeNames=None,
                 ExpressionAttributeValues=None, **_):
        self._count()
        expected = _decimals(ExpressionAttributeValues) if ExpressionAttributeValues else None
        self._items.put(_decimals(copy.deepcopy(Item)), ConditionExpression, ExpressionAttributeNames,
                        expected, "PutItem")
        return {}

    def delete_item(self, Key, **_):
        self._count()
        self._items.delete(Key[self._items.key])
        return {}


class FakeDynamoDB:
    """What `speaker_helper.wiring.build(dynamodb=...)` takes: the low-level client's get_item /
    put_item / delete_item (typed attribute values, any TableName), and `.Table(name)` for the
    resource API."""

    def __init__(self, key: str = "pk"):
        self.key = key
        self.calls = 0
        self._tables: dict[str, _Items] = {}
        self._resource_tables: dict[str, FakeTable] = {}

    def _table(self, name: str) -> _Items:
        return self._tables.setdefault(name, _Items(self.key))

    def get_item(self, TableName, Key, ConsistentRead=False, **_):
        self.calls += 1
        item = self._table(TableName).get(Key[self.key])
        return {"Item": copy.deepcopy(item)} if item is not None else {}

    def put_item(self, TableName, Item, ConditionExpression=None, ExpressionAttributeNames=None,
                 ExpressionAttributeValues=None, **_):
        self.calls += 1
        self._table(TableName).put(copy.deepcopy(Item), ConditionExpression, ExpressionAttributeNames,
                                   ExpressionAttributeValues, "PutItem")
        return {}

    def delete_item(self, TableName, Key, **_):
        self.calls += 1
        self._table(TableName).delete(Key[self.key])
        return {}

    def Table(self, name: str) -> FakeTable:  # noqa: N802 (boto3's spelling)
        return self._resource_tables.setdefault(name, FakeTable(self, self.key))


def install(store) -> None:
    """Swap the DynamoDB object inside a built `StateStore` for the fake, whichever API it uses."""
    if hasattr(store, "client"):
        store.client = FakeDynamoDB()
    else:
        store.table = FakeTable()
