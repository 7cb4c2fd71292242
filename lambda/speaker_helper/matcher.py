"""The matcher: which knowledge entry answers a free-form question, or none.

A question is normalised (case, accents, contractions, fillers, speech-recognition splits, number
words, Snowball stemming, spelling corrected against the knowledge base's own vocabulary), then each
entry is scored against it by two signals:

* word overlap weighted by rarity (IDF over entries), in both directions per question variant and
  against the entry's whole vocabulary; words the knowledge base has never seen count against a
  match, which is what makes off-topic questions ("how do I reset my echo") fall below the
  threshold instead of landing on the nearest entry;
* rapidfuzz's token-sort ratio against each variant, for word order and near-misses.

Only entries sharing at least one content word with the question are scored (an inverted index),
so the cost grows with the overlap, not with the size of the knowledge base. Below the threshold in
`MatchSettings` the answer is None: the caller says "I don't know that one". Imports neither boto3
nor ask_sdk.
"""
from __future__ import annotations

import heapq
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from .config import MatchSettings
from .knowledge_base import Lexicon

_CONTRACTIONS = (
    (re.compile(r"\bcan'?t\b"), "can not"),
    (re.compile(r"\bwon'?t\b"), "will not"),
    (re.compile(r"\b(\w+)n't\b"), r"\1 not"),
    (re.compile(r"\b(\w+)'re\b"), r"\1 are"),
    (re.compile(r"\b(\w+)'ll\b"), r"\1 will"),
    (re.compile(r"\b(\w+)'ve\b"), r"\1 have"),
    (re.compile(r"\b(\w+)'m\b"), r"\1 am"),
    (re.compile(r"\b(\w+)'d\b"), r"\1 would"),
    (re.compile(r"\b(\w+)'s\b"), r"\1"),
)
_NON_WORD = re.compile(r"[^a-z0-9 ]+")


def _words(text: str) -> tuple[str, ...]:
    """Lower-case words without punctuation (apostrophes dropped: "alexa's" -> "alexas")."""
    return tuple(_NON_WORD.sub(" ", text.lower().replace("'", "")).split())
# Misspellings are only corrected for words at least this long, and only this close (0-100):
# short words have too many neighbours to guess safely.
_SPELL_MIN_LEN = 6
_SPELL_CUTOFF = 84.0


@dataclass(frozen=True)
class Weights:
    """How the signals combine into a score (chosen on the dev eval set; see README)."""

    overlap: float = 0.45        # IDF-weighted F1 of question and variant words
    fuzzy: float = 0.35          # rapidfuzz token-sort ratio of question and variant
    precision: float = 0.15      # share of the question's word weight the variant explains
    coverage: float = 0.4        # share of the question's word weight anywhere in the entry
    unknown_quantile: float = 0.75  # unknown words weigh like this quantile of known-word IDFs


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float
    topic: str


@dataclass(frozen=True)
class Match:
    entry_id: str
    score: float
    runner_up: Candidate | None = None


class Stemmer:
    """Porter2 (Snowball) stems: "compresses" and "compression" both become "compress".

    Snowball is pure Python (about 0.1 ms a word) and its import costs tens of milliseconds, so the
    stems of every word the knowledge base uses are computed when it is compiled (`known`); the
    library is imported only for a word not seen before, and each answer is remembered.
    """

    def __init__(self, known: Mapping[str, str] | None = None):
        self._cache = dict(known or {})
        self._snowball = None

    def __call__(self, word: str) -> str:
        stem = self._cache.get(word)
        if stem is None:
            if word.isdigit():
                stem = word
            else:
                if self._snowball is None:
                    import snowballstemmer

                    self._snowball = snowballstemmer.stemmer("english")
                stem = self._snowball.stemWord(word)
            if len(self._cache) < 100_000:  # bounded: queries can bring any word
                self._cache[word] = stem
        return stem


class Normaliser:
    """Text -> a tuple of comparable tokens. One instance per lexicon (it indexes the rules)."""

    def __init__(self, lexicon: Lexicon, stems: Mapping[str, str] | None = None):
        self.lexicon = lexicon
        self.stem = Stemmer(stems)
        # Phrase rules as word tuples, looked up longest-first at each word: a dictionary probe
        # per word and length, much cheaper than one regular expression with hundreds of branches.
        self._replacements = {_words(k): _words(v) for k, v in lexicon.replacements.items() if _words(k)}
        self._fillers = {_words(f): () for f in lexicon.fillers if _words(f)}
        self._longest = max(map(len, [*self._replacements, *self._fillers]), default=1)
        self.vocabulary: frozenset[str] = frozenset()
        self._vocab_list: list[str] = []

    def set_vocabulary(self, words: Iterable[str]) -> None:
        self.vocabulary = frozenset(words)
        self._vocab_list = sorted(w for w in self.vocabulary if len(w) >= _SPELL_MIN_LEN - 1)
        self._correct.cache_clear()

    def clean(self, text: str) -> str:
        """Case, accents, contractions, punctuation, fillers and replacements: a plain string."""
        text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
        for pattern, repl in _CONTRACTIONS:
            text = pattern.sub(repl, text)
        words = self._rewrite(_words(text), self._fillers)
        # Replacements can feed each other ("duel audio" -> "dual audio" -> "dualaudio"): repeat
        # until nothing changes (the lexicon is small and has no cycles; 3 passes bound it).
        for _ in range(3):
            rewritten = self._rewrite(words, self._replacements)
            if rewritten == words:
                break
            words = rewritten
        return " ".join(words)

    def _rewrite(self, words: tuple[str, ...], table: dict) -> tuple[str, ...]:
        out: list[str] = []
        i = 0
        while i < len(words):
            for n in range(min(self._longest, len(words) - i), 0, -1):
                replacement = table.get(words[i:i + n])
                if replacement is not None:
                    out.extend(replacement)
                    i += n
                    break
            else:
                out.append(words[i])
                i += 1
        return tuple(out)

    def tokens(self, text: str, correct: bool = True) -> tuple[str, ...]:
        words = [self.stem(w) for w in self.clean(text).split()]
        if correct and self.vocabulary:
            words = [self._correct(w) for w in words]
        return tuple(words)

    @lru_cache(maxsize=4096)
    def _correct(self, word: str) -> str:
        if word in self.vocabulary or len(word) < _SPELL_MIN_LEN or word.isdigit():
            return word
        found = process.extractOne(word, self._vocab_list, scorer=fuzz.ratio, score_cutoff=_SPELL_CUTOFF)
        if found is None:
            return word
        # One edit is a typo; more than that on a short word is a different word.
        if Levenshtein.distance(word, found[0]) > max(1, len(word) // 4):
            return word
        return found[0]


class Matcher:
    """Scores knowledge entries against a question. Build once per cold start; `match` is pure."""

    def __init__(self, questions: Mapping[str, Iterable[str]], topics: Mapping[str, str],
                 lexicon: Lexicon, settings: MatchSettings, weights: Weights = Weights(),
                 stems: Mapping[str, str] | None = None,
                 tokenized: Mapping[str, Iterable[Iterable[str]]] | None = None):
        """`tokenized`: the variants already normalised by this lexicon (the compiled index)."""
        self.settings = settings
        self.weights = weights
        self.topics = dict(topics)
        self.normaliser = Normaliser(lexicon, stems)
        # Tokens are stemmed before they are compared with stopwords ("does" -> "doe").
        stop = frozenset(lexicon.stopwords) | {self.normaliser.stem(w) for sw in lexicon.stopwords for w in _words(sw)}
        if tokenized is not None:
            raw = {eid: [tuple(v) for v in tokenized[eid]] for eid in questions}
        else:
            raw = {eid: [self.normaliser.tokens(q, correct=False) for q in qs] for eid, qs in questions.items()}
        self.normaliser.set_vocabulary(t for variants in raw.values() for v in variants for t in v)
        self._stop = stop
        self._variants: list[tuple[str, frozenset[str], str]] = []
        self._entry_vocab: dict[str, frozenset[str]] = {}
        postings: dict[str, list[int]] = {}
        for eid, variants in raw.items():
            vocab: set[str] = set()
            for tokens in variants:
                content = frozenset(t for t in tokens if t not in stop)
                if not content:
                    continue
                index = len(self._variants)
                self._variants.append((eid, content, " ".join(t for t in tokens if t not in stop)))
                vocab |= content
                for token in content:
                    postings.setdefault(token, []).append(index)
            self._entry_vocab[eid] = frozenset(vocab)
        self._postings = {t: tuple(ix) for t, ix in postings.items()}
        entry_postings: dict[str, list[str]] = {}
        for eid, vocab in self._entry_vocab.items():
            for token in vocab:
                entry_postings.setdefault(token, []).append(eid)
        self._entry_postings = {t: tuple(e) for t, e in entry_postings.items()}
        n = max(1, len(self._entry_vocab))
        df: dict[str, int] = {}
        for vocab in self._entry_vocab.values():
            for token in vocab:
                df[token] = df.get(token, 0) + 1
        self._idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        # A word the knowledge base never uses is weighted like its rarest words: it is exactly
        # the kind of word that says "this question is about something else".
        ranked = sorted(self._idf.values()) or [1.0]
        self._unknown_idf = ranked[min(len(ranked) - 1, int(weights.unknown_quantile * len(ranked)))]
        self._variant_weight = [sum(self._weight(t) for t in vset) for _, vset, _ in self._variants]

    def content_tokens(self, text: str) -> tuple[str, ...]:
        return tuple(t for t in self.normaliser.tokens(text) if t not in self._stop)

    def _weight(self, token: str) -> float:
        return self._idf.get(token, self._unknown_idf)

    def rank(self, text: str, limit: int = 5, floor: float = 0.0) -> list[Candidate]:
        """Best-first candidates with scores 0-100; those that cannot reach `floor` may be left out.

        Word weights are summed by walking the postings once. Each candidate variant gets an upper
        bound (its word score plus a perfect fuzzy score), and rapidfuzz runs best bound first
        until no remaining variant could beat the `limit`-th entry found or reach `floor`: the
        result is the same as scoring everything, at a fraction of the cost.
        """
        query = self.content_tokens(text)
        if not query:
            return []
        w = self.weights
        qweights = {t: self._weight(t) for t in set(query)}
        qweight = sum(qweights.values())
        if qweight < self.settings.min_query_weight:
            return []
        qtext = " ".join(query)
        shared: dict[int, float] = {}
        coverage: dict[str, float] = {}
        for token, weight in qweights.items():
            for index in self._postings.get(token, ()):
                shared[index] = shared.get(index, 0.0) + weight
            for eid in self._entry_postings.get(token, ()):
                coverage[eid] = coverage.get(eid, 0.0) + weight / qweight
        bounded = []
        for index, weight in shared.items():
            precision = weight / qweight
            recall = weight / self._variant_weight[index]
            words = w.overlap * 2 * precision * recall / (precision + recall) + w.precision * precision
            eid = self._variants[index][0]
            bound = (1 - w.coverage) * (words + w.fuzzy) + w.coverage * coverage[eid]
            bounded.append((bound, index, words, eid))
        bounded.sort(reverse=True)
        best: dict[str, float] = {}
        kth = floor / 100.0
        for bound, index, words, eid in bounded:
            if bound < kth:
                break
            fuzzy = fuzz.token_sort_ratio(qtext, self._variants[index][2]) / 100.0
            total = (1 - w.coverage) * (words + w.fuzzy * fuzzy) + w.coverage * coverage[eid]
            if total > best.get(eid, -1.0):
                best[eid] = total
                if len(best) >= limit:
                    kth = max(kth, heapq.nlargest(limit, best.values())[-1])
        scored = [Candidate(eid, round(100 * total, 2), self.topics.get(eid, "")) for eid, total in best.items()]
        scored.sort(key=lambda c: (-c.score, c.entry_id))
        return scored[:limit]

    def match(self, text: str, topic: str | None = None) -> Match | None:
        # Nothing below the threshold can be the answer, so the ranking may stop there.
        candidates = self.rank(text, limit=8, floor=self.settings.threshold)
        if not candidates or candidates[0].score < self.settings.threshold:
            return None
        best = candidates[0]
        if topic:
            # Follow-ups inside a topic ("what about the Sub?") are short and ambiguous: prefer the
            # session's topic when its best candidate is close to the overall best.
            in_topic = next((c for c in candidates if c.topic == topic), None)
            if in_topic and best.score - in_topic.score <= self.settings.topic_margin:
                best = in_topic
        runner_up = next((c for c in candidates if c.entry_id != best.entry_id), None)
        return Match(best.entry_id, best.score, runner_up)
