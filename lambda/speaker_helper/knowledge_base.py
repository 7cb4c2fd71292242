"""The knowledge base: entries, the Echo/brand catalogue and the UI prompts, with their schema.

Content is written as YAML under `knowledge/` and compiled into one JSON file shipped inside the
package (`data/knowledge.json`), so the Lambda neither needs PyYAML nor parses YAML at cold start.
Both forms go through the same `validate`, which names the file, the entry and the field of the
first problem it finds. Imports neither boto3 nor ask_sdk.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

TOPICS = (
    "bluetooth",
    "stereo_pair",
    "multiroom",
    "comparison",
    "workarounds",
    "other_tech",
    "myths",
    "tips",
)
KINDS = ("faq", "myth", "guide", "comparison", "howto")
AUDIO_OUT = ("yes", "none", "input_only", "unknown")
CAPABILITY = ("yes", "no", "unknown")
BRAND_KINDS = ("bluetooth", "sonos", "alexa_builtin", "other")
# The catalogue facts an answer can be about: a question that names one Echo model gets that
# model's fact first ("Can two Echo Studios stereo pair?" -> "Yes, ...").
MODEL_FACTS = ("stereo_pair", "audio_out")
MIN_QUESTIONS = 5
# The one-breath test: a first answer a listener can take in without losing the thread.
MAX_ANSWER_WORDS = 45
MAX_STEP_WORDS = 40
REQUIRED_PROMPTS = (
    "welcome", "welcome_back", "help", "dont_know", "fallback_1", "fallback_2", "fallback_3",
    "fallback_goodbye", "goodbye", "reprompt", "anything_else", "no_more_detail", "guide_done",
    "guide_first_step", "guide_last_step", "no_guide_active", "repeat_nothing", "error",
    "speakers_saved", "speakers_none", "speakers_list", "speakers_forgotten", "resume_guide",
    "not_for_this_skill", "guide_start", "guide_reprompt", "help_reprompt", "no_topic_yet",
    "yes_without_offer", "no_thanks", "step_lead", "step_next", "no_such_step", "which_step",
    "speakers_not_understood", "about_model", "anything_else_short", "personal_stereo_yes",
    "personal_stereo_one", "personal_stereo_unknown", "personal_jack_none", "personal_jack_yes",
    "personal_jack_input", "model_stereo_yes", "model_stereo_no", "model_jack_none", "model_jack_yes",
    "model_jack_input",
)

PACKAGE_DATA = Path(__file__).with_name("data") / "knowledge.json"
_ID = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_SOURCE = re.compile(r"^S\d+$")


class KnowledgeError(ValueError):
    """A knowledge file that breaks the schema: says which file, entry and field."""

    def __init__(self, file: str, entry: str | None, field: str | None, problem: str):
        self.file, self.entry, self.field, self.problem = file, entry, field, problem
        where = [file]
        if entry is not None:
            where.append(f"entry {entry!r}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(": ".join(where) + ": " + problem)


@dataclass(frozen=True)
class Card:
    title: str
    text: str


@dataclass(frozen=True)
class FollowUp:
    ask: str
    id: str


@dataclass(frozen=True)
class GuideStep:
    title: str
    speech: str
    card: str


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    topic: str
    questions: tuple[str, ...]
    answer: str
    card: Card
    sources: tuple[str, ...]
    more: str | None = None
    follow_up: FollowUp | None = None
    related: tuple[str, ...] = ()
    steps: tuple[GuideStep, ...] = ()
    table: tuple[Mapping[str, str], ...] = ()
    model_fact: str | None = None


@dataclass(frozen=True)
class EchoModel:
    id: str
    name: str
    synonyms: tuple[str, ...]
    audio_out: str
    stereo_pair: str
    sub: str
    note: str
    sources: tuple[str, ...]
    generic: bool = False  # a family name without a generation ("Echo Dot")


@dataclass(frozen=True)
class Brand:
    id: str
    name: str
    synonyms: tuple[str, ...]
    kind: str


@dataclass(frozen=True)
class Lexicon:
    """How the matcher normalises questions (knowledge/lexicon.yaml)."""

    replacements: Mapping[str, str]
    fillers: tuple[str, ...]
    stopwords: frozenset[str]


@dataclass(frozen=True)
class KnowledgeBase:
    entries: Mapping[str, Entry]
    echo_models: Mapping[str, EchoModel]
    brands: Mapping[str, Brand]
    prompts: Mapping[str, tuple[str, ...]]
    lexicon: Lexicon
    # Snowball stems of every word the content uses, computed when compiling, so the Lambda does
    # not stem (or import the stemmer for) its own vocabulary at cold start.
    stems: Mapping[str, str] = field(default_factory=dict, compare=False)
    # Questions near the subject that the skill declines (knowledge/out_of_scope.yaml): id ->
    # question variants. The matcher ranks them with the entries; when one wins, the skill says
    # "I don't know that one" instead of answering with the closest entry.
    out_of_scope: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # The matcher's tokens for each entry's (and decline's) question variants, computed when
    # compiling.
    index: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict, compare=False)

    def entry(self, entry_id: str | None) -> Entry | None:
        return self.entries.get(entry_id) if entry_id else None

    def prompt(self, key: str, variant: int = 0, **values: str) -> str:
        """A UI string; `variant` picks among alternatives deterministically."""
        options = self.prompts[key]
        text = options[variant % len(options)]
        return text.format(**values) if values else text

    def guides(self) -> list[Entry]:
        return [e for e in self.entries.values() if e.kind == "guide"]

    def matchable(self) -> dict[str, tuple[str, ...]]:
        """Every id the matcher can return with its question variants: entries, then declines."""
        return {**{e.id: e.questions for e in self.entries.values()}, **self.out_of_scope}


# ---------------------------------------------------------------- validation


class _Checker:
    """Field checks for one entry of one file; every failure raises KnowledgeError."""

    def __init__(self, file: str, entry: str | None, data: Any):
        self.file, self.entry = file, entry
        if not isinstance(data, dict):
            self.fail(None, f"must be a mapping, got {type(data).__name__}")
        self.data = data

    def fail(self, field: str | None, problem: str):
        raise KnowledgeError(self.file, self.entry, field, problem)

    def only(self, allowed: Iterable[str]):
        extra = sorted(set(self.data) - set(allowed))
        if extra:
            self.fail(extra[0], "unknown field (typo?)")

    def text(self, field: str, required: bool = True, max_words: int | None = None) -> str | None:
        value = self.data.get(field)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(field, "must be a non-empty string")
        value = " ".join(value.split()) if max_words else value.strip()
        if max_words and len(value.split()) > max_words:
            self.fail(field, f"has {len(value.split())} words; the limit is {max_words}")
        return value

    def choice(self, field: str, options: tuple[str, ...]) -> str:
        value = self.data.get(field)
        if value not in options:
            self.fail(field, f"must be one of {', '.join(options)}; got {value!r}")
        return value

    def strings(self, field: str, minimum: int = 0, pattern: re.Pattern | None = None) -> tuple[str, ...]:
        value = self.data.get(field, [] if minimum == 0 else None)
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(field, "must be a list of non-empty strings")
        if len(value) < minimum:
            self.fail(field, f"needs at least {minimum} items; has {len(value)}")
        for item in value:
            if pattern is not None and not pattern.match(item):
                self.fail(field, f"item {item!r} has the wrong form")
        return tuple(v.strip() for v in value)


def _entry(file: str, raw: Any, position: int) -> Entry:
    name = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else f"#{position}"
    c = _Checker(file, name, raw)
    c.only(("id", "kind", "topic", "questions", "answer", "more", "card", "follow_up", "related",
            "sources", "steps", "table", "model_fact"))
    entry_id = c.text("id")
    if not _ID.match(entry_id):
        c.fail("id", "must be lowercase words joined by hyphens")
    kind = c.choice("kind", KINDS)
    card_raw = raw.get("card")
    if not isinstance(card_raw, dict):
        c.fail("card", "must be a mapping with title and text")
    card_check = _Checker(file, name, card_raw)
    card_check.only(("title", "text"))
    card = Card(title=_sub(card_check, "card.title"), text=_sub(card_check, "card.text"))
    follow_up = None
    if raw.get("follow_up") is not None:
        fu = raw["follow_up"]
        if not isinstance(fu, dict) or set(fu) != {"ask", "id"}:
            c.fail("follow_up", "must be a mapping with exactly 'ask' and 'id'")
        if not (isinstance(fu["ask"], str) and fu["ask"].strip().endswith("?")):
            c.fail("follow_up.ask", "must be a question ending with '?'")
        follow_up = FollowUp(ask=fu["ask"].strip(), id=str(fu["id"]))
    steps: list[GuideStep] = []
    if kind == "guide":
        raw_steps = raw.get("steps")
        if not isinstance(raw_steps, list) or len(raw_steps) < 2:
            c.fail("steps", "a guide needs a list of at least two steps")
        for i, step in enumerate(raw_steps, 1):
            s = _Checker(file, name, step)
            s.only(("title", "speech", "card"))
            steps.append(GuideStep(
                title=_sub(s, f"steps[{i}].title", key="title"),
                speech=_sub(s, f"steps[{i}].speech", key="speech", max_words=MAX_STEP_WORDS),
                card=_sub(s, f"steps[{i}].card", key="card"),
            ))
    elif "steps" in raw:
        c.fail("steps", "only guides have steps")
    table = raw.get("table", [])
    if not isinstance(table, list) or not all(
        isinstance(row, dict) and row and all(isinstance(v, str) for v in row.values()) for row in table
    ):
        c.fail("table", "must be a list of mappings of strings")
    return Entry(
        id=entry_id,
        kind=kind,
        topic=c.choice("topic", TOPICS),
        questions=c.strings("questions", minimum=MIN_QUESTIONS),
        answer=c.text("answer", max_words=MAX_ANSWER_WORDS),
        more=c.text("more", required=False, max_words=200),
        card=card,
        follow_up=follow_up,
        related=c.strings("related"),
        sources=c.strings("sources", minimum=1, pattern=_SOURCE),
        steps=tuple(steps),
        table=tuple(table),
        model_fact=c.choice("model_fact", MODEL_FACTS) if "model_fact" in raw else None,
    )


def _sub(checker: _Checker, label: str, key: str | None = None, max_words: int | None = None) -> str:
    key = key or label.split(".")[-1]
    value = checker.data.get(key)
    if not isinstance(value, str) or not value.strip():
        checker.fail(label, "must be a non-empty string")
    value = value.strip()
    if max_words and len(value.split()) > max_words:
        checker.fail(label, f"has {len(value.split())} words; the limit is {max_words}")
    return value


def _catalogue(file: str, raw: Any) -> tuple[dict[str, EchoModel], dict[str, Brand]]:
    top = _Checker(file, None, raw)
    top.only(("echo_models", "speaker_brands"))
    models: dict[str, EchoModel] = {}
    brands: dict[str, Brand] = {}
    for section, target in (("echo_models", models), ("speaker_brands", brands)):
        items = raw.get(section)
        if not isinstance(items, list) or not items:
            top.fail(section, "must be a non-empty list")
        for i, item in enumerate(items):
            name = item.get("id") if isinstance(item, dict) else f"#{i}"
            c = _Checker(file, f"{section}/{name}", item)
            item_id = c.text("id")
            if not _ID.match(item_id) or item_id in target:
                c.fail("id", "must be a unique snake_case id")
            synonyms = c.strings("synonyms")
            for synonym in synonyms:
                if re.search(r"[^a-z .'-]", synonym):
                    c.fail("synonyms", f"{synonym!r}: only lowercase letters, spaces, periods, apostrophes, hyphens")
            if section == "echo_models":
                c.only(("id", "name", "synonyms", "audio_out", "stereo_pair", "sub", "note", "sources", "generic"))
                if not isinstance(item.get("generic", False), bool):
                    c.fail("generic", "must be true or false")
                target[item_id] = EchoModel(
                    id=item_id, name=c.text("name"), synonyms=synonyms,
                    audio_out=c.choice("audio_out", AUDIO_OUT),
                    stereo_pair=c.choice("stereo_pair", CAPABILITY),
                    sub=c.choice("sub", CAPABILITY),
                    note=c.text("note", max_words=MAX_ANSWER_WORDS),
                    sources=c.strings("sources", minimum=1, pattern=_SOURCE),
                    generic=item.get("generic", False),
                )
            else:
                c.only(("id", "name", "synonyms", "kind"))
                target[item_id] = Brand(id=item_id, name=c.text("name"), synonyms=synonyms,
                                        kind=c.choice("kind", BRAND_KINDS))
    return models, brands


def _prompts(file: str, raw: Any) -> dict[str, tuple[str, ...]]:
    c = _Checker(file, None, raw)
    prompts: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        options = [value] if isinstance(value, str) else value
        if not isinstance(options, list) or not options or not all(isinstance(o, str) and o.strip() for o in options):
            c.fail(str(key), "must be a string or a non-empty list of strings")
        prompts[str(key)] = tuple(" ".join(o.split()) for o in options)
    for key in REQUIRED_PROMPTS:
        if key not in prompts:
            c.fail(key, "required prompt is missing")
    return prompts


def _lexicon(file: str, raw: Any) -> Lexicon:
    c = _Checker(file, None, raw)
    c.only(("replacements", "fillers", "stopwords"))
    replacements = raw.get("replacements")
    if not isinstance(replacements, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip() for k, v in replacements.items()
    ):
        c.fail("replacements", "must map phrases to their replacement text")
    return Lexicon(
        replacements={" ".join(k.lower().split()): " ".join(v.lower().split()) for k, v in replacements.items()},
        fillers=c.strings("fillers"),
        stopwords=frozenset(c.strings("stopwords")),
    )


def _out_of_scope(file: str, raw: Any, taken: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, list):
        raise KnowledgeError(file, None, None, "must be a list of declined subjects")
    declines: dict[str, tuple[str, ...]] = {}
    for position, item in enumerate(raw):
        name = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else f"#{position}"
        c = _Checker(file, name, item)
        c.only(("id", "questions"))
        decline_id = c.text("id")
        if not _ID.match(decline_id):
            c.fail("id", "must be lowercase words joined by hyphens")
        if decline_id in declines or decline_id in taken:
            c.fail("id", f"duplicate id (also in {taken.get(decline_id, file)})")
        declines[decline_id] = c.strings("questions", minimum=MIN_QUESTIONS)
    return declines


def validate(entries_by_file: Mapping[str, list], catalogue: tuple[str, Any],
             prompts: tuple[str, Any], lexicon: tuple[str, Any],
             out_of_scope: tuple[str, Any] = ("out_of_scope.yaml", [])) -> KnowledgeBase:
    """Build a KnowledgeBase from raw data, or raise KnowledgeError at the first problem."""
    entries: dict[str, Entry] = {}
    origin: dict[str, str] = {}
    for file, items in entries_by_file.items():
        if not isinstance(items, list):
            raise KnowledgeError(file, None, None, "must be a list of entries")
        for position, raw in enumerate(items):
            entry = _entry(file, raw, position)
            if entry.id in entries:
                raise KnowledgeError(file, entry.id, "id", f"duplicate id (also in {origin[entry.id]})")
            entries[entry.id] = entry
            origin[entry.id] = file
    for entry in entries.values():
        targets = [("related", r) for r in entry.related]
        if entry.follow_up:
            targets.append(("follow_up.id", entry.follow_up.id))
        for field, target in targets:
            if target not in entries:
                raise KnowledgeError(origin[entry.id], entry.id, field, f"no entry has id {target!r}")
    models, brands = _catalogue(*catalogue)
    return KnowledgeBase(entries=entries, echo_models=models, brands=brands,
                         prompts=_prompts(*prompts), lexicon=_lexicon(*lexicon),
                         out_of_scope=_out_of_scope(*out_of_scope, origin))


# ---------------------------------------------------------------- loading


def load_source(root: Path) -> tuple[KnowledgeBase, dict]:
    """Read and validate the YAML under `root` (the `knowledge/` folder).

    Returns the knowledge base and the plain data to write as the compiled JSON.
    """
    import yaml  # only the build step and the tools read YAML; the Lambda reads JSON

    class UniqueKeys(yaml.SafeLoader):
        """PyYAML keeps the last of two equal keys without a word: a lexicon rule written twice
        would silently replace the first. Here it is an error."""

        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep)

    def read(path: Path) -> Any:
        label = str(path.relative_to(root.parent)) if root.parent in path.parents else str(path)
        try:
            return label, yaml.load(path.read_text(encoding="utf-8"), Loader=UniqueKeys)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f"line {mark.line + 1}: " if mark else ""
            problem = getattr(exc, "problem", None) or "not valid YAML"
            raise KnowledgeError(label, None, None, f"{line}{problem} ({exc.__class__.__name__})") from exc

    entry_files = sorted((root / "entries").glob("*.yaml"))
    if not entry_files:
        raise KnowledgeError(str(root / "entries"), None, None, "no entry files found")
    entries_by_file = dict(read(p) for p in entry_files)
    catalogue = read(root / "catalogue.yaml")
    prompts = read(root / "prompts" / "en.yaml")
    lexicon = read(root / "lexicon.yaml")
    out_of_scope = read(root / "out_of_scope.yaml")
    kb = validate(entries_by_file, catalogue, prompts, lexicon, out_of_scope)
    kb = replace(kb, stems=stems_of(kb))
    compiled = {
        "format": 1,
        "entries": {Path(name).stem: items for name, items in entries_by_file.items()},
        "catalogue": catalogue[1],
        "prompts": prompts[1],
        "lexicon": lexicon[1],
        "out_of_scope": out_of_scope[1],
        "stems": dict(kb.stems),
    }
    return kb, compiled


def stems_of(kb: KnowledgeBase) -> dict[str, str]:
    """Snowball stems of every word in the questions, the lexicon and the catalogue."""
    import snowballstemmer

    stemmer = snowballstemmer.stemmer("english")
    texts = [q for questions in kb.matchable().values() for q in questions]
    texts += [*kb.lexicon.replacements, *kb.lexicon.replacements.values(), *kb.lexicon.fillers,
              *kb.lexicon.stopwords]
    texts += [n for item in (*kb.echo_models.values(), *kb.brands.values()) for n in (item.name, *item.synonyms)]
    texts.append("not are will have am would")  # what the matcher expands contractions to
    words = set()
    for text in texts:
        for token in re.findall(r"[a-z0-9']+", text.lower()):
            # "partner's" may reach the stemmer as "partners" or, contraction expanded, "partner"
            words.update(w for w in (token.replace("'", ""), token.split("'")[0]) if w)
    return {w: (w if w.isdigit() else stemmer.stemWord(w)) for w in sorted(words)}


def compile_source(root: Path, index=None) -> tuple[KnowledgeBase, str]:
    """The compiled JSON text for `root`. `index(kb)`, when given, adds the matcher's tokenised
    question variants, so the Lambda does not normalise a thousand variants at cold start."""
    kb, compiled = load_source(root)
    if index is not None:
        compiled["index"] = index(kb)
    return kb, json.dumps(compiled, ensure_ascii=False, sort_keys=True, indent=0) + "\n"


def compile_to(root: Path, target: Path = PACKAGE_DATA, index=None) -> KnowledgeBase:
    kb, text = compile_source(root, index)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return kb


def load_compiled(path: Path = PACKAGE_DATA) -> KnowledgeBase:
    """Load the JSON the Lambda ships; validated again so a hand-edited file still fails loudly."""
    label = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KnowledgeError(label, None, None, "missing: run `make knowledge`") from exc
    except json.JSONDecodeError as exc:
        raise KnowledgeError(label, None, None, f"not valid JSON (line {exc.lineno})") from exc
    if not isinstance(data, dict) or data.get("format") != 1:
        raise KnowledgeError(label, None, "format", "unknown format; rebuild with `make knowledge`")
    entries = data.get("entries")
    if not isinstance(entries, dict):
        raise KnowledgeError(label, None, "entries", "must map file names to entry lists")
    kb = validate({f"{label}:{k}": v for k, v in entries.items()},
                  (f"{label}:catalogue", data.get("catalogue")),
                  (f"{label}:prompts", data.get("prompts")),
                  (f"{label}:lexicon", data.get("lexicon")),
                  (f"{label}:out_of_scope", data.get("out_of_scope")))
    stems = data.get("stems")
    if not isinstance(stems, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in stems.items()):
        raise KnowledgeError(label, None, "stems", "must map words to stems; rebuild with `make knowledge`")
    index = data.get("index", {})
    matchable = kb.matchable()
    if not isinstance(index, dict) or set(index) - set(matchable) or not all(
        isinstance(v, list) and len(v) == len(matchable[k])
        and all(isinstance(q, list) and all(isinstance(t, str) for t in q) for q in v)
        for k, v in index.items()
    ):
        raise KnowledgeError(label, None, "index", "does not match the entries; rebuild with `make knowledge`")
    return replace(kb, stems=stems, index={k: tuple(tuple(q) for q in v) for k, v in index.items()})
