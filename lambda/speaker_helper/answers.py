"""The conversation use cases: what the skill says for each thing a user can do.

Every method takes the session state, updates it, and returns a `Reply` (plain text, no SSML).
No ASK, no boto3, no I/O: handlers adapt requests to these calls and `speech` renders the result;
whether and when state is written is the state keeper's business (a reply only flags that the user
told us something worth writing at once).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process

from .config import Settings
from .knowledge_base import MAX_ANSWER_WORDS, Card, EchoModel, Entry, KnowledgeBase
from .matcher import Matcher
from .state import MAX_TEXT, GuidePosition, Offer, SessionState, Speaker

NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
# Catalogue names are resolved fuzzily when Alexa could not resolve a slot (ER_SUCCESS_NO_MATCH):
# at or above this similarity (0-100) the closest synonym is taken.
CATALOGUE_CUTOFF = 80.0


@dataclass(frozen=True)
class Visual:
    """What a screen shows with a reply (Echo Show): key facts, a guide's steps, or a table."""

    kind: str                                 # "facts", "steps" or "table"
    title: str
    items: tuple[str, ...] = ()               # fact lines, or step titles
    header: tuple[str, ...] = ()              # table column names
    rows: tuple[tuple[str, ...], ...] = ()    # table rows
    current: int = 0                          # steps: the step being read (1-based)


@dataclass(frozen=True)
class Reply:
    speech: tuple[str, ...]           # sentences/parts, spoken with a short pause between them
    reprompt: str | None = None       # None: the session ends
    card: Card | None = None
    answer_id: str | None = None      # the knowledge entry the answer came from
    save_now: bool = False            # the user told us something: write it now
    guide_step: int | None = None     # the guide step being read
    visual: Visual | None = None      # for devices with a screen
    score: float | None = None        # the matcher's score, when a question was matched (for logs)
    declined: str | None = None       # the out-of-scope subject that was declined (for logs)

    @property
    def end_session(self) -> bool:
        return self.reprompt is None

    @property
    def text(self) -> str:
        return " ".join(p for p in self.speech if p)


def spoken_count(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


class Conversation:
    def __init__(self, kb: KnowledgeBase, matcher: Matcher, settings: Settings):
        self.kb = kb
        self.matcher = matcher
        self.settings = settings
        self._model_names = {syn: m.id for m in kb.echo_models.values() for syn in (m.name.lower(), *m.synonyms)}
        self._brand_names = {syn: b.id for b in kb.brands.values() for syn in (b.name.lower(), *b.synonyms)}
        # Echo model names as the matcher reads them, for spotting a model named in a question.
        tokens = matcher.normaliser.tokens
        self._name_noise = frozenset(tokens("the amazon", correct=False))
        generation = frozenset(tokens("gen generation", correct=False))
        self._model_words: dict[tuple[str, ...], str] = {}
        for model in kb.echo_models.values():
            for name in (model.name, *model.synonyms):
                words = tuple(t for t in tokens(name, correct=False) if t not in self._name_noise)
                # "second echo dot" would also match "two echo dots": a leading number must be a generation.
                if words and not (words[0].isdigit() and words[1:2] and words[1] not in generation):
                    self._model_words.setdefault(words, model.id)
        self._longest_model_name = max(map(len, self._model_words), default=0)

    # ------------------------------------------------------------ helpers

    def _p(self, key: str, s: SessionState | None = None, **values) -> str:
        return self.kb.prompt(key, variant=(s.misses if s else 0), **values)

    def _say(self, s: SessionState, *speech: str, reprompt: str | None, card: Card | None = None,
             answer_id: str | None = None, save_now: bool = False, guide_step: int | None = None,
             keep_misses: bool = False, visual: Visual | None = None) -> Reply:
        if not keep_misses:
            s.misses = 0
        if visual is None and card is not None:
            visual = Visual("facts", card.title, tuple(line.strip() for line in card.text.splitlines() if line.strip()))
        reply = Reply(tuple(p for p in speech if p), reprompt, card, answer_id, save_now, guide_step, visual)
        s.last_speech, s.last_reprompt = reply.text[:MAX_TEXT], reprompt
        return reply

    def _open(self, s: SessionState, *speech: str, reprompt_key: str = "reprompt", **kwargs) -> Reply:
        return self._say(s, *speech, reprompt=self._p(reprompt_key), **kwargs)

    def _set_user(self, s: SessionState, **changes) -> None:
        s.user = replace(s.user, **changes)

    # ------------------------------------------------------------ session start and end

    def launch(self, s: SessionState) -> Reply:
        returning = s.user.visits > 0
        self._set_user(s, visits=s.user.visits + 1)
        progress = s.user.guide
        guide = self.kb.entry(progress.id) if progress else None
        if guide and 0 < progress.step <= len(guide.steps):
            s.offer = Offer("resume", guide.id)
            return self._open(s, self._p("welcome_back"), self._p("resume_guide", step=spoken_count(progress.step)))
        return self._open(s, self._p("welcome_back" if returning else "welcome"))

    def goodbye(self, s: SessionState) -> Reply:
        return self._say(s, self._p("goodbye"), reprompt=None)

    # ------------------------------------------------------------ questions

    def question(self, s: SessionState, text: str | None) -> Reply:
        text = (text or "").strip()[:500]
        found = self.matcher.match(text, topic=s.topic) if text else None
        if found is None or found.declined:
            return replace(self.dont_know(s), score=found.score if found else None,
                           declined=found.entry_id if found else None)
        return replace(self.answer(s, self.kb.entries[found.entry_id], self.named_model(text)), score=found.score)

    def answer(self, s: SessionState, entry: Entry, named: EchoModel | None = None) -> Reply:
        s.topic, s.entry, s.offer = entry.topic, entry.id, None
        self._set_user(s, last_topic=entry.topic)
        # The model the question names goes first (it answers the question); the user's own goes after.
        lead = self.model_note(entry, named)
        if entry.kind == "guide":
            s.guide = GuidePosition(entry.id, 0)
            steps = Visual("steps", entry.card.title, tuple(st.title for st in entry.steps))
            start = self._p("guide_start")
            if lead and len(f"{lead} {entry.answer} {start}".split()) > MAX_ANSWER_WORDS:
                lead = None
            return self._say(s, lead, entry.answer, start, reprompt=self._p("guide_reprompt"),
                             card=entry.card, answer_id=entry.id, visual=steps)
        follow = entry.follow_up
        closing = follow.ask if follow is not None else self._p("anything_else")
        personal = None if lead else self.personal_note(s, entry)
        note = lead or personal
        if note and len(f"{entry.answer} {note} {closing}".split()) > MAX_ANSWER_WORDS:
            # The one-breath limit: the note beats the offer, the offer beats nothing.
            follow, closing = None, self._p("anything_else_short")
            if len(f"{entry.answer} {note} {closing}".split()) > MAX_ANSWER_WORDS:
                lead = personal = None
        visual = self.table_visual(entry)
        if follow is not None:
            target = self.kb.entries[follow.id]
            s.offer = Offer("guide" if target.kind == "guide" else "entry", target.id)
            return self._say(s, lead, entry.answer, personal, follow.ask, reprompt=follow.ask, card=entry.card,
                             answer_id=entry.id, visual=visual)
        return self._open(s, lead, entry.answer, personal, closing, card=entry.card, answer_id=entry.id,
                          visual=visual)

    @staticmethod
    def table_visual(entry: Entry) -> Visual | None:
        if not entry.table:
            return None
        columns = list(entry.table[0])
        header = tuple(c.replace("_", " ").capitalize() for c in columns)
        return Visual("table", entry.card.title, header=("", *header[1:]),
                      rows=tuple(tuple(row.get(c, "") for c in columns) for row in entry.table))

    def named_model(self, text: str) -> EchoModel | None:
        """The one Echo model a question names, by its longest catalogue name ("two echo dot 5th
        gens" -> Echo Dot 5th Gen). None when it names none, only a family ("echo dot"), or two."""
        words = [t for t in self.matcher.normaliser.tokens(text) if t not in self._name_noise]
        named: set[str] = set()
        i = 0
        while i < len(words):
            for n in range(min(self._longest_model_name, len(words) - i), 0, -1):
                model_id = self._model_words.get(tuple(words[i:i + n]))
                if model_id is not None:
                    named.add(model_id)
                    i += n
                    break
            else:
                i += 1
        models = [self.kb.echo_models[m] for m in named]
        specific = [m for m in models if not m.generic]
        if len(specific) != 1:
            return None
        # A family name counts only as the same model's family: "echo studio plus echo dot" is two.
        if any(not specific[0].name.startswith(m.name) for m in models if m.generic):
            return None
        return specific[0]

    def model_note(self, entry: Entry, model: EchoModel | None) -> str | None:
        """The named model's catalogue fact, for an answer about that fact; None if not known."""
        if model is None or entry.model_fact is None:
            return None
        if entry.model_fact == "stereo_pair":
            key = {"yes": "model_stereo_yes", "no": "model_stereo_no"}.get(model.stereo_pair)
        else:
            key = {"none": "model_jack_none", "yes": "model_jack_yes",
                   "input_only": "model_jack_input"}.get(model.audio_out)
        return self._p(key, name=model.name) if key else None

    def personal_note(self, s: SessionState, entry: Entry) -> str | None:
        """A sentence about the user's own Echo for stereo-pair and wired answers, from the catalogue."""
        owned = [(sp, self.kb.echo_models[sp.id]) for sp in s.user.speakers
                 if sp.kind == "echo" and sp.id in self.kb.echo_models and sp.id != "echo_sub"]
        if not owned or entry.topic not in ("stereo_pair", "workarounds"):
            return None
        speaker, model = max(owned, key=lambda pair: pair[0].count)
        if entry.topic == "stereo_pair":
            key = ("personal_stereo_unknown" if model.stereo_pair != "yes"
                   else "personal_stereo_yes" if speaker.count >= 2 else "personal_stereo_one")
        else:
            key = {"none": "personal_jack_none", "yes": "personal_jack_yes",
                   "input_only": "personal_jack_input"}.get(model.audio_out)
        return self._p(key, name=model.name, count=spoken_count(speaker.count)) if key else None

    def dont_know(self, s: SessionState) -> Reply:
        s.offer = None
        s.misses += 1
        if s.misses >= self.settings.max_fallbacks:
            return self._say(s, self._p("fallback_goodbye"), reprompt=None, keep_misses=True)
        key = "dont_know" if s.misses == 1 else f"fallback_{s.misses}"
        return self._say(s, self._p(key), reprompt=self._p("help_reprompt"), keep_misses=True)

    def fallback(self, s: SessionState) -> Reply:
        s.offer = None
        s.misses += 1
        if s.misses >= self.settings.max_fallbacks:
            return self._say(s, self._p("fallback_goodbye"), reprompt=None, keep_misses=True)
        return self._say(s, self._p(f"fallback_{s.misses}"), reprompt=self._p("help_reprompt"), keep_misses=True)

    def tell_me_more(self, s: SessionState) -> Reply:
        entry = self.kb.entry(s.entry)
        if entry is None:
            return self._open(s, self._p("no_topic_yet"))
        if not entry.more:
            return self._open(s, self._p("no_more_detail"))
        return self._open(s, entry.more, self._p("anything_else"), card=entry.card, answer_id=entry.id)

    def device_info(self, s: SessionState, spoken: str | None, resolved_id: str | None = None) -> Reply:
        model = self.kb.echo_models.get(resolved_id or "") or self.resolve_model(spoken)
        if model is None:
            # Not a model we know: treat the words as a question.
            return self.question(s, spoken)
        return self._open(s, self._p("about_model", name=model.name), model.note, self._p("anything_else"),
                          card=Card(model.name, model.note), answer_id=f"model:{model.id}")

    def resolve_model(self, spoken: str | None) -> EchoModel | None:
        model_id = self._resolve(spoken, self._model_names)
        return self.kb.echo_models.get(model_id) if model_id else None

    def resolve_brand(self, spoken: str | None) -> str | None:
        return self._resolve(spoken, self._brand_names)

    def _resolve(self, spoken: str | None, names: dict[str, str]) -> str | None:
        if not spoken or not spoken.strip():
            return None
        text = " ".join(spoken.lower().split())[:100]
        if text in names:
            return names[text]
        found = process.extractOne(text, names.keys(), scorer=fuzz.ratio, score_cutoff=CATALOGUE_CUTOFF)
        return names[found[0]] if found else None

    # ------------------------------------------------------------ yes / no / repeat / help

    def yes(self, s: SessionState) -> Reply:
        offer, s.offer = s.offer, None
        if offer is not None:
            target = self.kb.entry(offer.id)
            if target is not None:
                if offer.action == "resume" and s.user.guide and s.user.guide.id == target.id:
                    return self.read_step(s, target, max(1, s.user.guide.step))
                if offer.action in ("guide", "resume") and target.kind == "guide":
                    return self.read_step(s, target, 1)
                return self.answer(s, target)
        if s.guide is not None and s.guide.step == 0:
            return self.next(s)
        return self._open(s, self._p("yes_without_offer"))

    def no(self, s: SessionState) -> Reply:
        offer, s.offer = s.offer, None
        if offer is not None and offer.action == "resume":
            self._set_user(s, guide=None)
        return self._open(s, self._p("no_thanks"))

    def repeat(self, s: SessionState) -> Reply:
        if not s.last_speech:
            return self._open(s, self._p("repeat_nothing"))
        reply = Reply((s.last_speech,), s.last_reprompt or self._p("reprompt"), answer_id=None)
        return reply

    def help(self, s: SessionState) -> Reply:
        key = f"help_topic_{s.topic}" if s.topic and f"help_topic_{s.topic}" in self.kb.prompts else "help"
        return self._open(s, self._p(key), reprompt_key="help_reprompt")

    # ------------------------------------------------------------ guides

    def _active_guide(self, s: SessionState) -> Entry | None:
        """The guide the session is in; a position that no longer fits the guide is corrected."""
        guide = self.kb.entry(s.guide.id) if s.guide else None
        if guide is None or not guide.steps:
            s.guide = None
            return None
        if s.guide.step > len(guide.steps):
            s.guide = GuidePosition(guide.id, len(guide.steps))
        return guide

    def read_step(self, s: SessionState, guide: Entry, number: int) -> Reply:
        total = len(guide.steps)
        number = min(max(1, number), total)
        step = guide.steps[number - 1]
        s.guide = GuidePosition(guide.id, number)
        s.topic, s.entry, s.offer = guide.topic, guide.id, None
        last = number == total
        self._set_user(s, guide=None if last else s.guide, last_topic=guide.topic)
        lead = self._p("step_lead", number=spoken_count(number), total=spoken_count(total))
        tail = self._p("guide_done") if last else self._p("step_next", number=spoken_count(number + 1))
        card = Card(f"{guide.card.title}: step {number} of {total}", f"{step.title}\n{step.card}")
        visual = Visual("steps", guide.card.title, tuple(st.title for st in guide.steps), current=number)
        return self._say(s, lead, step.speech, tail, reprompt=self._p("guide_reprompt"), card=card,
                         answer_id=guide.id, guide_step=number, visual=visual)

    def start_guide(self, s: SessionState, guide_id: str = "stereo-pair-setup") -> Reply:
        return self.read_step(s, self._active_guide(s) or self.kb.entries[guide_id], 1)

    def next(self, s: SessionState) -> Reply:
        guide = self._active_guide(s)
        if guide is None:
            s.offer = Offer("guide", "stereo-pair-setup")
            return self._say(s, self._p("no_guide_active"), reprompt=self._p("no_guide_active"))
        if s.guide.step >= len(guide.steps):
            return self._open(s, self._p("guide_last_step"), reprompt_key="guide_reprompt")
        return self.read_step(s, guide, s.guide.step + 1)

    def previous(self, s: SessionState) -> Reply:
        guide = self._active_guide(s)
        if guide is None:
            return self.next(s)
        if s.guide.step <= 1:
            first = self.read_step(s, guide, 1)
            return replace(first, speech=(self._p("guide_first_step"), *first.speech))
        return self.read_step(s, guide, s.guide.step - 1)

    def go_to_step(self, s: SessionState, number: str | None, section: str | None) -> Reply:
        guide = self._active_guide(s) or self.kb.entries["stereo-pair-setup"]
        target = None
        if number and number.strip().isdecimal() and len(number.strip()) < 4:
            target = int(number)
        elif section and section.strip():
            titles = {i: st.title.lower() for i, st in enumerate(guide.steps, 1)}
            found = process.extractOne(section.lower(), titles, scorer=fuzz.partial_ratio, score_cutoff=60)
            target = found[2] if found else None
        if target is None or not 1 <= target <= len(guide.steps):
            return self._open(s, self._p("no_such_step", total=spoken_count(len(guide.steps))),
                              reprompt_key="guide_reprompt")
        return self.read_step(s, guide, target)

    def which_step(self, s: SessionState) -> Reply:
        guide = self._active_guide(s)
        if guide is None or s.guide.step == 0:
            s.offer = Offer("guide", "stereo-pair-setup")
            return self._say(s, self._p("no_guide_active"), reprompt=self._p("no_guide_active"))
        step = guide.steps[s.guide.step - 1]
        return self._open(s, self._p("which_step", number=spoken_count(s.guide.step),
                                     total=spoken_count(len(guide.steps)), title=step.title),
                          reprompt_key="guide_reprompt")

    # ------------------------------------------------------------ the user's speakers

    def describe_speakers(self, speakers) -> str:
        parts = []
        for sp in speakers:
            if sp.kind == "echo" and sp.id in self.kb.echo_models:
                name = self.kb.echo_models[sp.id].name
            elif sp.kind == "brand" and sp.id in self.kb.brands:
                name = self.kb.brands[sp.id].name + " speaker"
            else:
                continue
            parts.append(f"{spoken_count(sp.count)} {name}s" if sp.count > 1 else f"a {name}" if not name[0] in "AEIOU" else f"an {name}")
        if not parts:
            return ""
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]

    def set_speakers(self, s: SessionState, count: str | None, model: str | None, brand: str | None,
                     model_id: str | None = None, brand_id: str | None = None) -> Reply:
        told = []
        echo = self.kb.echo_models.get(model_id or "") or self.resolve_model(model)
        if echo is not None:
            n = int(count) if count and count.strip().isdecimal() and 0 < int(count) <= 20 else 1
            told.append(Speaker("echo", echo.id, n))
        brand_key = brand_id if brand_id in self.kb.brands else self.resolve_brand(brand)
        if brand_key:
            told.append(Speaker("brand", brand_key, 1))
        if not told:
            return self._open(s, self._p("speakers_not_understood"))
        kept = [sp for sp in s.user.speakers if all((sp.kind, sp.id) != (t.kind, t.id) for t in told)]
        self._set_user(s, speakers=tuple(kept + told)[-8:])
        return self._open(s, self._p("speakers_saved", speakers=self.describe_speakers(told)), save_now=True)

    def list_speakers(self, s: SessionState) -> Reply:
        described = self.describe_speakers(s.user.speakers)
        if not described:
            return self._open(s, self._p("speakers_none"))
        return self._open(s, self._p("speakers_list", speakers=described))

    def forget_speakers(self, s: SessionState) -> Reply:
        had = bool(s.user.speakers)
        self._set_user(s, speakers=())
        return self._open(s, self._p("speakers_forgotten"), save_now=had)

    def not_supported(self, s: SessionState) -> Reply:
        return self._open(s, self._p("not_for_this_skill"), reprompt_key="help_reprompt")
