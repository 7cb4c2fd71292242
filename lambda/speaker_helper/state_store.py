"""Per-user state in DynamoDB: one item per user, keyed by a hash of the Alexa user id.

Why not the ASK SDK's DynamoDbAdapter: it can neither write conditionally (two Echo devices of one
user would overwrite each other) nor set a TTL attribute, and it builds a boto3 resource in a
default argument at import time. This store takes a DynamoDB client in (the low-level client: a
boto3 resource costs some 300 ms more at cold start), writes with a condition on a
`version` attribute, merges and retries on conflict, and turns every DynamoDB fault into
`StateUnavailable` so the skill can go on answering from the knowledge base.
"""
from __future__ import annotations

import hashlib
import logging
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from .state import UserState, expires_at

log = logging.getLogger(__name__)

KEY = "pk"            # the table's partition key (template.yaml declares the same)
VERSION = "version"   # optimistic-lock counter
TTL = "expires_at"    # the table's TTL attribute (template.yaml enables TTL on it)
MAX_CONFLICT_RETRIES = 3


class StateUnavailable(Exception):
    """DynamoDB could not be read or written (throttled, missing, denied, timed out...)."""


def user_key(user_id: str) -> str:
    """The stored key: a hash, so neither the table nor the logs hold the raw Alexa user id."""
    return "u#" + hashlib.sha256(user_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def _plain(value: Any) -> Any:
    """DynamoDB returns numbers as Decimal; state is ints and strings only."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


_to_dynamodb = TypeSerializer().serialize
_from_dynamodb = TypeDeserializer().deserialize


class StateStore:
    def __init__(self, client, table_name: str, ttl_days: int):
        self.client = client
        self.table_name = table_name
        self.ttl_days = ttl_days
        self.calls = 0  # DynamoDB requests made, for tests and the benchmark

    def _key(self, key: str) -> dict:
        return {KEY: {"S": key}}

    def _fault(self, operation: str, exc: Exception) -> StateUnavailable:
        code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else type(exc).__name__
        log.warning("state store fault", extra={"event": "dynamodb_fault", "operation": operation, "code": code})
        return StateUnavailable(f"{operation}: {code}")

    def load(self, key: str) -> tuple[UserState, int]:
        """The user's state and its version (0 when there is no item yet)."""
        self.calls += 1
        try:
            item = self.client.get_item(TableName=self.table_name, Key=self._key(key),
                                        ConsistentRead=True).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise self._fault("get_item", exc) from exc
        if not item:
            return UserState(), 0
        item = _plain({name: _from_dynamodb(value) for name, value in item.items()})
        version = item.get(VERSION, 0)
        return UserState.from_dict(item.get("state")), version if isinstance(version, int) else 0

    def save(self, key: str, state: UserState, base: UserState, version: int) -> tuple[UserState, int]:
        """Write `state` if the item is still at `version`; on conflict merge onto the newer item.

        Returns what was stored and its new version.
        """
        for _ in range(MAX_CONFLICT_RETRIES):
            self.calls += 1
            try:
                condition = (f"attribute_not_exists({KEY})" if version == 0
                             else f"#{VERSION} = :expected")
                kwargs = {"ConditionExpression": condition}
                if version:
                    kwargs["ExpressionAttributeNames"] = {f"#{VERSION}": VERSION}
                    kwargs["ExpressionAttributeValues"] = {":expected": _to_dynamodb(version)}
                item = {KEY: key, VERSION: version + 1, "state": state.to_dict(), TTL: expires_at(self.ttl_days)}
                self.client.put_item(TableName=self.table_name,
                                     Item={name: _to_dynamodb(value) for name, value in item.items()}, **kwargs)
                return state, version + 1
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise self._fault("put_item", exc) from exc
            except BotoCoreError as exc:
                raise self._fault("put_item", exc) from exc
            latest, version = self.load(key)
            state, base = state.merged_onto(base, latest), latest
        raise StateUnavailable("put_item: too many conflicting writes")

    def delete(self, key: str) -> None:
        self.calls += 1
        try:
            self.client.delete_item(TableName=self.table_name, Key=self._key(key))
        except (ClientError, BotoCoreError) as exc:
            raise self._fault("delete_item", exc) from exc
