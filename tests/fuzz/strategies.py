"""Hypothesis strategies for Alexa request envelopes, and mutations of them.

Layers, from the bottom:

* strings: SSML metacharacters, unicode trouble (emoji, RTL marks, NUL, lone surrogates that JSON
  can carry as "\\ud800"), digit look-alikes ("²"), and huge strings (up to ~100 KB, built by
  repetition so Hypothesis need not draw every character);
* JSON trees: any value `json.loads` can return (no NaN/Infinity: Alexa sends RFC JSON);
* base envelopes: realistic LaunchRequest, IntentRequest (this skill's intents and slots, the
  AMAZON.* built-ins, unknown names), SessionEndedRequest, skill events, AudioPlayer,
  PlaybackController, System.ExceptionEncountered, CanFulfillIntentRequest, Connections.Response,
  APL UserEvent, Display.ElementSelected and unknown request types, plus the real envelopes in
  ../shared/envelopes as seeds;
* session attributes: the skill's own (`SessionState.to_attributes()` keys) with right, wrong,
  out-of-range and huge values, and random JSON under random keys;
* mutations: delete / null / retype / restring a field at any depth, add extra fields (including
  names of the SDK models' Python attributes), and the targeted breakages real traffic shows
  (`"session": null`, `"context": null`, `"intent": null`, slots as a list, slot values that are
  numbers or objects, garbage resolutions, integer or garbage timestamps).

Every strategy returns plain JSON data; `as_lambda_event` round-trips it through `json` so the
handler sees exactly what the Lambda runtime would hand it.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from speaker_helper.knowledge_base import TOPICS, load_compiled

SHARED_ENVELOPES = Path(__file__).resolve().parents[3] / "shared" / "envelopes"

KB = load_compiled()
ENTRY_IDS = sorted(KB.entries)
GUIDE_IDS = sorted(e.id for e in KB.entries.values() if e.kind == "guide")
MODEL_IDS = sorted(KB.echo_models)
BRAND_IDS = sorted(KB.brands)
MODEL_WORDS = sorted({w for m in KB.echo_models.values() for w in (m.name, *m.synonyms)})
BRAND_WORDS = sorted({w for b in KB.brands.values() for w in (b.name, *b.synonyms)})
SECTION_WORDS = ["getting ready", "combine speakers", "choosing the speakers", "swapping speakers",
                 "naming the pair", "adding a sub", "the sub", "naming"]
QUESTIONS = [
    "why does only one of my speakers play", "can I connect two bluetooth speakers",
    "how do I stereo pair two echo dots", "what is a multi room music group",
    "does a bluetooth splitter help", "is it true that the bluetooth spec forbids two speakers",
    "how do I reset my echo", "what's the weather", "blue tooth", "stereo", "",
]

# The real envelopes (third-party; read in place, never copied into the project).
SEEDS: list[dict] = [json.loads(p.read_text(encoding="utf-8"))
                     for p in sorted(SHARED_ENVELOPES.glob("[0-9]*.json"))] if SHARED_ENVELOPES.is_dir() else []

# Request types after which Alexa accepts no outputSpeech (response_checks.SPEECHLESS_TYPES).
SPEECHLESS_KNOWN = [
    "SessionEndedRequest", "System.ExceptionEncountered",
    "AudioPlayer.PlaybackStarted", "AudioPlayer.PlaybackFinished", "AudioPlayer.PlaybackStopped",
    "AudioPlayer.PlaybackNearlyFinished", "AudioPlayer.PlaybackFailed",
    "PlaybackController.PlayCommandIssued", "PlaybackController.PauseCommandIssued",
    "PlaybackController.NextCommandIssued", "PlaybackController.PreviousCommandIssued",
    "AlexaSkillEvent.SkillEnabled", "AlexaSkillEvent.SkillDisabled", "AlexaSkillEvent.SkillAccountLinked",
    "AlexaSkillEvent.SkillPermissionAccepted", "AlexaSkillEvent.SkillPermissionChanged",
    "AlexaSkillEvent.ProactiveSubscriptionChanged", "AlexaSkillEvent.NotificationSubscriptionChanged",
]
# Same families, but types the ASK SDK's models do not know (newer or invented).
SPEECHLESS_UNKNOWN = [
    "AudioPlayer.PlaybackResumed", "PlaybackController.ShuffleCommandIssued", "System.Unknown",
    "AlexaSkillEvent.SkillNotificationSubscriptionChanged", "AlexaSkillEvent.Future",
]
OTHER_TYPES = [
    "Alexa.Presentation.APL.LoadIndexListData", "Alexa.Presentation.APL.RuntimeError",
    "Dialog.API.Invoked", "Dialog.InputRequest", "Reminders.ReminderCreated",
    "Messaging.MessageReceived", "SessionResumedRequest", "GameEngine.InputHandlerEvent",
    "AlexaHouseholdListEvent.ItemsCreated", "UnknownRequest", "", "launchrequest", "LaunchRequest ",
    "IntentRequest\x00", "Intent.Request",
]
BUILTIN_INTENTS = [
    "AMAZON.HelpIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent",
    "AMAZON.FallbackIntent", "AMAZON.RepeatIntent", "AMAZON.YesIntent", "AMAZON.NoIntent",
    "AMAZON.NextIntent", "AMAZON.PreviousIntent", "AMAZON.StartOverIntent", "AMAZON.PauseIntent",
    "AMAZON.ResumeIntent", "AMAZON.LoopOnIntent", "AMAZON.ShuffleOnIntent", "AMAZON.MoreIntent",
    "AMAZON.ScrollDownIntent", "AMAZON.SelectIntent", "AMAZON.SendToPhoneIntent",
]
PLAIN_INTENTS = ["ListSpeakersIntent", "ForgetSpeakersIntent", "TellMeMoreIntent", "WhichStepIntent"]
UNKNOWN_INTENTS = ["GetNewFactIntent", "AnswerIntent", "talkAddress", "DishIntent",
                   "AMAZON.AddAction<object@Book,targetCollection@ReadingList>",
                   "AMAZON.SearchAction<object@WeatherForecast>", "questionintent", "QuestionIntent ",
                   "AMAZON.HelpIntent\x00", "", "<speak>"]

# ---------------------------------------------------------------------------------------- strings

SSML_BITS = [
    "<speak>", "</speak>", '<audio src="https://evil.example/a.mp3"/>', '<break time="10s"/>',
    '<say-as interpret-as="expletive">', '<amazon:effect name="whispered">', "</p>", "<p>",
    "&", "&amp;", "&lt;", "&#0;", "&#x1F600;", "&nbsp;", "&x;", "]]>", "<![CDATA[", "<!--", "-->",
    "<?xml version='1.0'?>", "<!DOCTYPE speak [<!ENTITY x 'y'>]>", '"', "'", "<", ">", "/>",
    "{0}", "{speakers}", "{number}", "%s", "\\", "\\u0000",
]
UNICODE_BITS = [
    "\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\u202e", "\u200f",
    "\u200b", "\ufeff", "\ufffe", "\uffff", "\ud800", "\udfff", "\ud83d", "\ude00",
    "\U0001F600", "\U0001F469\u200d\U0001F469\u200d\U0001F467", "\U0001F3F3\ufe0f\u200d\U0001F308",
    "\u0645\u0631\u062d\u0628\u0627", "\u05e9\u05dc\u05d5\u05dd", "\u65e5\u672c\u8a9e", "e\u0301",
    "\U0010ffff", "\u0130", "\u00df", "\ufb01", "\u00b2", "\u0663", "\uff13", "\u2167",
]
WORD_BITS = ["echo dot", "jbl", "two", "3", "0", "-1", "20", "21", "99999999999999999999", "1e5", "3.5",
             " ", "\t", "\n", "stereo pair", "next", "yes"]
ALL_BITS = SSML_BITS + UNICODE_BITS + WORD_BITS

bits = st.sampled_from(ALL_BITS)
# Plain text, including surrogates (which st.text leaves out unless asked).
raw_chars = st.characters(codec=None, categories=None) | st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"])
piece = st.one_of(bits, st.text(max_size=12), st.text(raw_chars, max_size=12))
nasty_text = st.lists(piece, max_size=6).map("".join)


def _repeat(unit: str, size: int) -> str:
    unit = unit or "x"
    return (unit * (size // len(unit) + 1))[:size]


huge_text = st.builds(_repeat, piece, st.integers(min_value=1_000, max_value=100_000))
# Right at the skill's own length caps (state.MAX_ID = 64, state.MAX_TEXT = 2000), in characters
# that grow when escaped or encoded.
edge_text = st.builds(_repeat, st.sampled_from(["&", "<", ">", "\U0001F600", "a", "a b", "\x00", "\ud800", "]]>", "&amp;"]),
                      st.sampled_from([63, 64, 65, 500, 501, 1999, 2000, 2001]) | st.integers(1_900, 2_000))
any_text = st.one_of(nasty_text, edge_text, huge_text)

# ------------------------------------------------------------------------------------- JSON trees

json_scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2**31), max_value=2**31), st.integers(),  # the second one: huge ints too
    st.floats(allow_nan=False, allow_infinity=False),
    nasty_text,
)
json_trees = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(nasty_text, children, max_size=4),
    max_leaves=12,
)
# Names the ASK SDK's deserialiser copies onto model objects when they appear as extra fields.
MODEL_ATTRIBUTE_NAMES = ["object_type", "type", "request_id", "intent", "slots", "name", "value",
                         "attributes", "user_id", "session", "context", "system", "application_id",
                         "resolutions", "resolutions_per_authority", "dialog_state", "timestamp",
                         "__class__", "__dict__", "to_dict", "attribute_map", "deserialized_types",
                         "supports_multiple_types", ""]
extra_keys = st.one_of(st.sampled_from(MODEL_ATTRIBUTE_NAMES), nasty_text)

# ------------------------------------------------------------------------------------- the pieces

def _ids(prefix: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from([f"{prefix}.AAAA", f"{prefix}.123456789012", f"{prefix}.testUser", "testUser"]),
        st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567-", min_size=1, max_size=40).map(lambda s: f"{prefix}.{s}"),
    )


user_ids = _ids("amzn1.ask.account")
app_ids = _ids("amzn1.ask.skill")
session_ids = _ids("amzn1.echo-api.session")
request_ids = _ids("amzn1.echo-api.request")
device_ids = _ids("amzn1.ask.device")
locales = st.sampled_from(["en-US", "en-GB", "en-AU", "en-CA", "en-IN", "de-DE", "ja-JP", "fr-FR", ""])

timestamps = st.one_of(
    st.datetimes().map(lambda d: d.replace(microsecond=0).isoformat() + "Z"),
    st.sampled_from(["2026-11-24T09:00:00Z", "2018-08-18T10:20:54Z", "2017-07-08T09:49:39.123Z",
                     "2019-01-01T00:00:00+05:30", "2019-01-01", "yesterday", "", "0", "9" * 30,
                     "2019-13-45T25:61:61Z", "99999-01-01T00:00:00Z"]),
    st.integers(min_value=0, max_value=4_102_444_800_000),   # epoch ms / s: repaired
    st.integers(),                                          # any size, any sign
    st.floats(allow_nan=False, allow_infinity=False),
    json_trees,
)


@st.composite
def user_states(draw, wild: bool = False) -> dict:
    """The `UserState.to_dict()` shape, with right or (if wild) wrong values."""
    def val(good):
        return draw(st.one_of(good, json_trees, any_text)) if wild else draw(good)
    speaker = st.fixed_dictionaries({
        "kind": st.sampled_from(["echo", "brand"]),
        "id": st.sampled_from(MODEL_IDS + BRAND_IDS),
        "count": st.integers(1, 20),
    })
    state = {
        "schema": val(st.sampled_from([2, 1])),
        "speakers": val(st.lists(speaker, max_size=9)),
        "guide": val(st.none() | st.fixed_dictionaries({"id": st.sampled_from(ENTRY_IDS), "step": st.integers(0, 8)})),
        "last_topic": val(st.none() | st.sampled_from(TOPICS)),
        "visits": val(st.integers(0, 1_000_000)),
    }
    if wild and draw(st.booleans()):
        state["devices"] = draw(st.lists(st.sampled_from(MODEL_IDS) | nasty_text, max_size=4) | json_trees)
    keep = draw(st.sets(st.sampled_from(sorted(state)))) if wild else set(state)
    return {k: v for k, v in state.items() if k in keep}


@st.composite
def skill_attributes(draw, wild: bool = True) -> dict:
    """Session attributes under the skill's own keys (SessionState.to_attributes())."""
    def val(good):  # wild: a right value three times in four, so that the other fields still count
        return draw(st.one_of(good, good, good, st.none() | json_trees | any_text)) if wild else draw(good)
    ids = st.sampled_from(ENTRY_IDS)
    attrs = {
        "v": 2 if not wild else draw(st.sampled_from([2] * 6 + [1, 3, "2", 2.0, True, None])),
        "topic": val(st.none() | st.sampled_from(TOPICS)),
        "entry": val(st.none() | ids),
        "offer": val(st.none() | st.fixed_dictionaries({
            "action": st.sampled_from(["entry", "guide", "resume"]), "id": ids})),
        "guide": val(st.none() | st.fixed_dictionaries({
            "id": st.sampled_from(GUIDE_IDS) | ids,
            "step": st.integers(0, 8) | st.integers(-3, 60)})),
        "last_speech": val(st.none() | nasty_text | edge_text),
        "last_reprompt": val(st.none() | nasty_text | edge_text),
        "misses": val(st.integers(0, 10)),
        "base": val(st.none() | user_states(wild)),
        "user": val(user_states(wild)),
        "version": val(st.integers(0, 20)),
    }
    if wild:
        attrs = {k: v for k, v in attrs.items() if k == "v" or draw(st.integers(0, 4))}
        attrs.update(draw(st.dictionaries(extra_keys, json_trees, max_size=3)))
    return attrs


session_attributes = st.one_of(
    st.just({}),
    skill_attributes(wild=False),
    skill_attributes(wild=True),
    st.dictionaries(extra_keys, json_trees, max_size=5),     # another skill's attributes
)


@st.composite
def sessions(draw, attributes=session_attributes) -> dict:
    session = {
        "new": draw(st.booleans()),
        "sessionId": draw(session_ids),
        "application": {"applicationId": draw(app_ids)},
        "attributes": draw(attributes),
        "user": {"userId": draw(user_ids)},
    }
    if draw(st.booleans()):
        del session["attributes"]  # Alexa leaves it out on a new session
    return session


@st.composite
def contexts(draw) -> dict:
    system: dict[str, Any] = {
        "application": {"applicationId": draw(app_ids)},
        "user": {"userId": draw(user_ids)},
        "device": {"deviceId": draw(device_ids), "supportedInterfaces": draw(st.sampled_from([
            {}, {"AudioPlayer": {}}, {"Display": {"templateVersion": "1.0", "markupVersion": "1.0"}},
            {"Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.2"}}}]))},
        "apiEndpoint": "https://api.amazonalexa.com",
        "apiAccessToken": "eyJ0eXAiOiJK",
    }
    context: dict[str, Any] = {"System": system}
    extras = {
        "AudioPlayer": {"playerActivity": "IDLE"},
        "Viewport": {"experiences": [{"canRotate": False, "canResize": False}], "shape": "RECTANGLE",
                     "pixelWidth": 1024, "pixelHeight": 600, "dpi": 160, "currentPixelWidth": 1024,
                     "currentPixelHeight": 600, "touch": ["SINGLE"], "arcMinuteWidth": "221"},
        "Display": {"token": ""},
        "Geolocation": {"timestamp": "2019-02-06T20:30:13Z", "coordinate": {"latitudeInDegrees": 38.2,
                                                                              "longitudeInDegrees": 28.3}},
        "Extensions": {"available": {"aplext:backstack:10": {}}},
    }
    for key in draw(st.sets(st.sampled_from(sorted(extras)))):
        context[key] = extras[key]
    return context


def _slot_values(name: str) -> st.SearchStrategy:
    realistic = {
        "query": st.sampled_from(QUESTIONS),
        "echo_model": st.sampled_from(MODEL_WORDS),
        "brand": st.sampled_from(BRAND_WORDS),
        "count": st.sampled_from(["1", "2", "3", "8", "20", "21", "0", "?", "two"]),
        "step": st.sampled_from(["1", "2", "6", "7", "0", "?", "-1"]),
        "section": st.sampled_from(SECTION_WORDS),
    }.get(name, st.sampled_from(QUESTIONS + WORD_BITS))
    return st.one_of(realistic, nasty_text, huge_text)


SLOT_TYPES = {"echo_model": (MODEL_IDS, "ECHO_MODEL"), "brand": (BRAND_IDS, "SPEAKER_BRAND"),
              "section": (["prepare", "combine", "choose", "swap", "name", "sub"], "GUIDE_SECTION")}


@st.composite
def resolutions(draw, slot: str) -> dict:
    ids, type_name = SLOT_TYPES.get(slot, ([], "AMAZON.NUMBER"))
    code = draw(st.sampled_from(["ER_SUCCESS_MATCH", "ER_SUCCESS_NO_MATCH", "ER_ERROR_TIMEOUT",
                                 "ER_ERROR_EXCEPTION", "ER_SUCCESS_MATCH ", "er_success_match"]))
    authority = {
        "authority": f"amzn1.er-authority.echo-sdk.amzn1.ask.skill.x.{type_name}",
        "status": {"code": code},
    }
    if code.startswith("ER_SUCCESS_MATCH") or draw(st.booleans()):
        value_ids = st.sampled_from(ids) | nasty_text if ids else nasty_text
        authority["values"] = draw(st.lists(st.fixed_dictionaries(
            {"value": st.fixed_dictionaries({"name": nasty_text, "id": value_ids})}), max_size=3))
    return {"resolutionsPerAuthority": draw(st.lists(st.just(authority), min_size=1, max_size=2))}


@st.composite
def slots_for(draw, names: list[str]) -> dict:
    slots = {}
    for name in names:
        slot: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
        if draw(st.integers(0, 4)):
            slot["value"] = draw(_slot_values(name))
            slot["source"] = "USER"
            if draw(st.booleans()):
                slot["resolutions"] = draw(resolutions(name))
            if draw(st.integers(0, 5)) == 0:
                slot["slotValue"] = {"type": "Simple", "value": slot["value"]}
        key = name if draw(st.integers(0, 6)) else draw(st.sampled_from(["Item", name.upper(), "x"]))
        slots[key] = slot
    return slots


OUR_SLOTS = {
    "QuestionIntent": ["query"],
    "DeviceInfoIntent": ["echo_model"],
    "SetSpeakersIntent": ["count", "echo_model", "brand"],
    "GuideStepIntent": ["step", "section"],
}


# The intents whose answer depends on the session state (what `repeat` says, what `yes` accepts...).
STATEFUL_INTENTS = ["AMAZON.RepeatIntent", "AMAZON.YesIntent", "AMAZON.NoIntent", "AMAZON.NextIntent",
                    "AMAZON.PreviousIntent", "AMAZON.StartOverIntent", "AMAZON.HelpIntent", "AMAZON.FallbackIntent",
                    "WhichStepIntent", "TellMeMoreIntent", "ListSpeakersIntent", "ForgetSpeakersIntent",
                    "GuideStepIntent", "SetSpeakersIntent", "QuestionIntent", "DeviceInfoIntent"]
ANY_INTENT_NAME = st.one_of(
    st.sampled_from(sorted(OUR_SLOTS)),
    st.sampled_from(PLAIN_INTENTS + BUILTIN_INTENTS),
    st.sampled_from(UNKNOWN_INTENTS),
    nasty_text,
)


@st.composite
def intents(draw, names: st.SearchStrategy[str] = ANY_INTENT_NAME) -> dict:
    name = draw(names)
    intent: dict[str, Any] = {"name": name, "confirmationStatus": draw(st.sampled_from(["NONE", "CONFIRMED", "DENIED"]))}
    slot_names = OUR_SLOTS.get(name, [])
    if not slot_names and draw(st.booleans()):
        slot_names = draw(st.lists(st.sampled_from(["Answer", "Item", "query", "object.name"]), max_size=2, unique=True))
    if slot_names:
        chosen = draw(st.lists(st.sampled_from(slot_names), unique=True, min_size=0, max_size=len(slot_names)))
        intent["slots"] = draw(slots_for([n for n in slot_names if n in chosen]))
    elif draw(st.booleans()):
        intent["slots"] = {}
    return intent


def _request(draw, kind: str) -> dict:
    return {"type": kind, "requestId": draw(request_ids), "timestamp": draw(st.sampled_from(
        ["2026-11-24T09:00:00Z", "2018-08-18T10:20:54Z"])), "locale": draw(locales)}


@st.composite
def launch_requests(draw) -> dict:
    return _request(draw, "LaunchRequest")


@st.composite
def intent_requests(draw, intent=intents()) -> dict:
    request = _request(draw, "IntentRequest")
    request["intent"] = draw(intent)
    request["dialogState"] = draw(st.sampled_from(["STARTED", "IN_PROGRESS", "COMPLETED"]))
    return request


@st.composite
def session_ended_requests(draw) -> dict:
    request = _request(draw, "SessionEndedRequest")
    request["reason"] = draw(st.sampled_from(["USER_INITIATED", "EXCEEDED_MAX_REPROMPTS", "ERROR", "OTHER"]))
    if draw(st.booleans()):
        request["error"] = {"type": draw(st.sampled_from(["INVALID_RESPONSE", "DEVICE_COMMUNICATION_ERROR",
                                                          "INTERNAL_SERVICE_ERROR", "ENDPOINT_TIMEOUT"])),
                            "message": draw(nasty_text)}
    return request


@st.composite
def speechless_requests(draw, types=st.sampled_from(SPEECHLESS_KNOWN[1:] + SPEECHLESS_UNKNOWN)) -> dict:
    kind = draw(types)
    request = _request(draw, kind)
    if kind.startswith("AudioPlayer."):
        request.update(token=draw(nasty_text), offsetInMilliseconds=draw(st.integers(0, 10**7)))
        if kind == "AudioPlayer.PlaybackFailed":
            request["error"] = {"type": "MEDIA_ERROR_UNKNOWN", "message": draw(nasty_text)}
            request["currentPlaybackState"] = {"token": "t", "offsetInMilliseconds": 0, "playerActivity": "PLAYING"}
    elif kind.startswith("System."):
        request["error"] = {"type": "INVALID_RESPONSE", "message": draw(nasty_text)}
        request["cause"] = {"requestId": draw(request_ids)}
    elif kind.startswith("AlexaSkillEvent."):
        request["eventCreationTime"] = draw(timestamps)
        request["eventPublishingTime"] = "2026-11-24T09:00:01Z"
        request["body"] = draw(st.sampled_from([{}, {"acceptedPermissions": [{"scope": "alexa::alerts:reminders:skill:readwrite"}]},
                                                {"accessToken": "<REDACTED_ACCESS_TOKEN>"}]))
    return request


@st.composite
def can_fulfill_requests(draw) -> dict:
    request = _request(draw, "CanFulfillIntentRequest")
    request["intent"] = draw(intents())
    return request


@st.composite
def connections_responses(draw) -> dict:
    request = _request(draw, "Connections.Response")
    request.update(name=draw(st.sampled_from(["Buy", "Upsell", "Cancel", "AskFor"])),
                   status={"code": draw(st.sampled_from(["200", 200, "500"])), "message": "OK"},
                   payload={"purchaseResult": "ACCEPTED", "productId": draw(nasty_text)},
                   token=draw(nasty_text))
    return request


@st.composite
def apl_user_events(draw) -> dict:
    request = _request(draw, "Alexa.Presentation.APL.UserEvent")
    request.update(token=draw(nasty_text), arguments=draw(st.lists(json_trees, max_size=3)),
                   source={"type": "TouchWrapper", "handler": "Press", "id": draw(nasty_text)},
                   components=draw(st.dictionaries(nasty_text, json_trees, max_size=2)))
    return request


@st.composite
def display_element_selected(draw) -> dict:
    request = _request(draw, "Display.ElementSelected")
    request["token"] = draw(nasty_text)
    return request


@st.composite
def unknown_requests(draw) -> dict:
    request = _request(draw, draw(st.one_of(st.sampled_from(OTHER_TYPES), nasty_text)))
    request.update(draw(st.dictionaries(extra_keys, json_trees, max_size=3)))
    return request


@st.composite
def envelopes(draw, request, session=sessions()) -> dict:
    """An envelope around `request`; the session is there, absent, null or partial."""
    event: dict[str, Any] = {"version": "1.0"}
    shape = draw(st.sampled_from(["full", "full", "full", "absent", "null", "partial"]))
    if shape == "full":
        event["session"] = draw(session)
    elif shape == "null":
        event["session"] = None
    elif shape == "partial":
        event["session"] = {"attributes": draw(session_attributes)}
    context_shape = draw(st.sampled_from(["full", "full", "absent", "null"]))
    if context_shape == "full":
        event["context"] = draw(contexts())
    elif context_shape == "null":
        event["context"] = None
    event["request"] = draw(request)
    return event


speechless_envelopes = envelopes(st.one_of(speechless_requests(), session_ended_requests()))
speaking_envelopes = envelopes(st.one_of(launch_requests(), intent_requests()))
generated_envelopes = st.one_of(
    envelopes(launch_requests()),
    envelopes(intent_requests()),
    envelopes(session_ended_requests()),
    envelopes(speechless_requests()),
    envelopes(can_fulfill_requests()),
    envelopes(connections_responses()),
    envelopes(apl_user_events()),
    envelopes(display_element_selected()),
    envelopes(unknown_requests()),
)
seed_envelopes = st.sampled_from(SEEDS).map(copy.deepcopy) if SEEDS else st.nothing()
base_envelopes = st.one_of(generated_envelopes, seed_envelopes) if SEEDS else generated_envelopes

# -------------------------------------------------------------------------------------- mutations

Path_ = tuple


def _paths(node: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every path to a value inside `node` (dict keys and list indices), depth first."""
    out: list[Path_] = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append(prefix + (key,))
            out.extend(_paths(value, prefix + (key,)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.append(prefix + (i,))
            out.extend(_paths(value, prefix + (i,)))
    return out


def _containers(node: Any) -> list[Path_]:
    """Paths of the dicts inside `node`, the root included (where an extra field can go)."""
    return [p for p in [()] + _paths(node) if isinstance(_get(node, p), dict)]


def _get(node: Any, path: Path_) -> Any:
    for key in path:
        node = node[key]
    return node


def _parent(event: Any, path: Path_):
    return _get(event, path[:-1]), path[-1]


def _at(event: dict, *path: str) -> Any:
    node: Any = event
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


@st.composite
def mutate_once(draw, event: Any) -> Any:
    paths = _paths(event)
    ops = ["delete", "null", "retype", "restring", "extra", "session_null", "context_null", "intent_null",
           "slots_list", "slot_value", "resolutions", "attributes", "timestamp", "request_type"]
    op = draw(st.sampled_from(ops))
    request = _at(event, "request")
    intent = _at(event, "request", "intent")
    slots = _at(event, "request", "intent", "slots")
    if op in ("delete", "null", "retype", "restring") and paths:
        parent, key = _parent(event, draw(st.sampled_from(paths)))
        if op == "delete":
            del parent[key]
        elif op == "null":
            parent[key] = None
        elif op == "retype":
            parent[key] = draw(json_trees)
        else:
            parent[key] = draw(any_text)
    elif op == "extra":
        target = _get(event, draw(st.sampled_from(_containers(event))))
        target[draw(extra_keys)] = draw(json_trees | any_text)
    elif op == "session_null":
        event["session"] = None
    elif op == "context_null":
        event["context"] = None
    elif op == "intent_null" and isinstance(request, dict):
        request["intent"] = None
    elif op == "slots_list" and isinstance(intent, dict):
        intent["slots"] = list(slots.values()) if isinstance(slots, dict) else draw(st.lists(json_trees, max_size=3))
    elif op == "slot_value" and isinstance(slots, dict) and slots:
        slot = slots[draw(st.sampled_from(sorted(slots, key=str)))]
        if isinstance(slot, dict):
            slot["value"] = draw(st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                                           st.booleans(), json_trees, any_text))
    elif op == "resolutions" and isinstance(slots, dict) and slots:
        slot = slots[draw(st.sampled_from(sorted(slots, key=str)))]
        if isinstance(slot, dict):
            slot["resolutions"] = draw(st.one_of(json_trees, st.fixed_dictionaries(
                {"resolutionsPerAuthority": st.lists(json_trees | st.fixed_dictionaries(
                    {"status": json_trees | st.fixed_dictionaries({"code": json_trees}),
                     "values": json_trees | st.lists(st.fixed_dictionaries({"value": json_trees}), max_size=2)}),
                    max_size=3) | json_trees})))
    elif op == "attributes" and isinstance(event.get("session"), dict):
        event["session"]["attributes"] = draw(st.one_of(skill_attributes(wild=True), json_trees,
                                                        st.dictionaries(extra_keys, json_trees | huge_text, max_size=4)))
    elif op == "timestamp" and isinstance(request, dict):
        request["timestamp"] = draw(timestamps)
    elif op == "request_type" and isinstance(request, dict):
        request["type"] = draw(st.one_of(st.sampled_from(SPEECHLESS_KNOWN + SPEECHLESS_UNKNOWN + OTHER_TYPES
                                                         + ["LaunchRequest", "IntentRequest", "CanFulfillIntentRequest"]),
                                         json_trees))
    return event


@st.composite
def mutated(draw, base: st.SearchStrategy = base_envelopes, max_mutations: int = 4) -> Any:
    event = copy.deepcopy(draw(base))
    for _ in range(draw(st.integers(0, max_mutations))):
        event = draw(mutate_once(event))
    return event


@st.composite
def tamper_attributes(draw, attrs: Any) -> Any:
    """A change to session attributes the skill produced (the device could send anything back)."""
    attrs = copy.deepcopy(attrs)
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return draw(skill_attributes(wild=True))
    if choice == 1 and isinstance(attrs, dict):
        attrs[draw(st.sampled_from(sorted(skill_attributes_keys())) | extra_keys)] = draw(json_trees | any_text)
        return attrs
    paths = _paths(attrs)
    if paths:
        parent, key = _parent(attrs, draw(st.sampled_from(paths)))
        parent[key] = draw(st.one_of(json_trees, any_text, st.integers(-5, 60)))
    return attrs


def skill_attributes_keys() -> list[str]:
    from speaker_helper.state import SessionState

    return sorted(SessionState().to_attributes())


not_envelopes = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), any_text,
    st.lists(json_trees, max_size=4),
    st.lists(base_envelopes, min_size=1, max_size=2),          # a batch is not an envelope
    st.dictionaries(extra_keys, json_trees, max_size=4).filter(lambda d: not isinstance(d.get("request"), dict)),
    base_envelopes.map(lambda e: {**e, "request": None}),
    st.builds(lambda e, r: {**e, "request": r}, base_envelopes, json_trees.filter(lambda r: not isinstance(r, dict))),
)


def as_lambda_event(event: Any) -> Any:
    """What the Lambda runtime hands the handler: the event after a JSON round trip."""
    return json.loads(json.dumps(event))
