"""Builds the request envelopes Alexa would send, and carries a session across turns.

Used by `chat`, `ask` and the tests to drive the real Lambda entry point with realistic JSON.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from .utterance_router import Routed

APPLICATION_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
LOCAL_USER = "amzn1.ask.account.LOCAL-USER"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def slot_json(name: str, fill) -> dict:
    slot: dict[str, Any] = {"name": name, "value": fill.value, "confirmationStatus": "NONE"}
    if fill.custom:
        authority = f"amzn1.er-authority.echo-sdk.{APPLICATION_ID}.{name}"
        if fill.resolved_id:
            slot["resolutions"] = {"resolutionsPerAuthority": [{
                "authority": authority, "status": {"code": "ER_SUCCESS_MATCH"},
                "values": [{"value": {"name": fill.value, "id": fill.resolved_id}}]}]}
        else:
            slot["resolutions"] = {"resolutionsPerAuthority": [{
                "authority": authority, "status": {"code": "ER_SUCCESS_NO_MATCH"}}]}
    return slot


class Session:
    """One Alexa session: the same sessionId, attributes carried from response to request."""

    def __init__(self, user_id: str = LOCAL_USER, locale: str = "en-US",
                 application_id: str = APPLICATION_ID, viewport: bool = False):
        self.user_id, self.locale, self.application_id = user_id, locale, application_id
        self.viewport = viewport
        self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
        self.attributes: dict = {}
        self.new = True
        self.ended = False

    def envelope(self, request: dict) -> dict:
        request = {"requestId": f"amzn1.echo-api.request.{uuid.uuid4()}", "timestamp": _now(),
                   "locale": self.locale, **request}
        interfaces: dict = {}
        if self.viewport:
            interfaces["Alexa.Presentation.APL"] = {"runtime": {"maxVersion": "2023.3"}}
        event = {
            "version": "1.0",
            "session": {"new": self.new, "sessionId": self.session_id,
                        "application": {"applicationId": self.application_id},
                        "attributes": self.attributes, "user": {"userId": self.user_id}},
            "context": {"System": {"application": {"applicationId": self.application_id},
                                   "user": {"userId": self.user_id},
                                   "device": {"deviceId": "amzn1.ask.device.LOCAL",
                                              "supportedInterfaces": interfaces},
                                   "apiEndpoint": "https://api.amazonalexa.com"}},
            "request": request,
        }
        return event

    def launch(self) -> dict:
        return self.envelope({"type": "LaunchRequest"})

    def intent(self, routed: Routed) -> dict:
        return self.envelope({"type": "IntentRequest", "dialogState": "STARTED", "intent": {
            "name": routed.intent, "confirmationStatus": "NONE",
            "slots": {name: slot_json(name, fill) for name, fill in routed.slots.items()}}})

    def session_ended(self, reason: str = "USER_INITIATED") -> dict:
        return self.envelope({"type": "SessionEndedRequest", "reason": reason})

    def absorb(self, response: dict) -> None:
        """Take the response's session attributes and end flag into the next request."""
        self.new = False
        self.attributes = response.get("sessionAttributes") or {}
        body = response.get("response") or {}
        self.ended = bool(body.get("shouldEndSession", False)) or "outputSpeech" not in body
