"""The matcher: which knowledge entry answers a free-form question, or none.

A question is normalised (case, accents, contractions, speech-recognition splits, number words,
fillers, Snowball stemming, spelling corrected against the knowledge base's own vocabulary), then
each entry is scored against it by three signals:

* word overlap with its best question variant, weighted by rarity (IDF over entries), in both
  directions; words the knowledge base has never seen count against a match;
* rapidfuzz's token-sort ratio against that variant, for word order and near-misses;
* BM25 of the question against all the entry's variants pooled into one document, which carries
  most of the weight because it generalises best to phrasings no variant has.

Questions near the subject that the skill does not answer ("how do I reset my echo", "can alexa
turn on my tv") are ranked like entries (declines); when one wins, the result says so, and the
caller declines rather than answer with the nearest entry. Below the threshold in `MatchSettings`
the answer is None: the caller says "I don't know that one". The ranking is exact, with bounds
that skip what cannot win (see `rank`). Imports neither boto3 nor ask_sdk.
"""
from __future__ import annotations

import heapq
import logging
import math
import sys
import re
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Iterable, Mapping

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from .config import MatchSettings
from .knowledge_base import Lexicon

log = logging.getLogger(__name__)

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


def _without_repeats(words: tuple[str, ...]) -> tuple[str, ...]:
    """Speech stutters and repeats ("at the same the same time"): a run of up to three words said
    twice in a row counts once."""
    out: list[str] = []
    for word in words:
        out.append(word)
        for n in (1, 2, 3):
            if len(out) >= 2 * n and out[-n:] == out[-2 * n:-n]:
                del out[-n:]
                break
    return tuple(out)


# Misspellings are only corrected for words at least this long, and only this close (0-100):
# short words have too many neighbours to guess safely.
_SPELL_MIN_LEN = 6
_SPELL_CUTOFF = 84.0
# BM25 numbers are kept in fixed point with this many fractional bits, in 64-bit fields: a
# question would need millions of words to overflow one.
_FIXED_BITS = 24
_FIELD_BITS = 64
_BIG_ENDIAN = sys.byteorder == "big"
# Words in more than this share of entries keep a BM25 number for every entry (see Matcher);
# chosen with `make bench` (0.02-0.2 all within 10% of each other at 10x).
_DENSE_SHARE = 0.1


@dataclass(frozen=True)
class Weights:
    """How the signals combine into a score, chosen with `speaker-helper test-all --folds 5`
    (each variant asked of a matcher built without it) and the dev eval set; see README."""

    overlap: float = 0.45        # IDF-weighted F1 of question and variant words
    fuzzy: float = 0.35          # rapidfuzz token-sort ratio of question and variant
    precision: float = 0.15      # share of the question's word weight the variant explains
    coverage: float = 0.6        # BM25 of the question against all the entry's variants, 0-1
    unknown_quantile: float = 0.75  # unknown words weigh like this quantile of known-word IDFs
    bm25_k1: float = 1.2         # BM25's usual term-frequency saturation...
    bm25_b: float = 0.75         # ...and document-length normalisation
    coverage_words: int = 6      # BM25 coverage is relative to the question's N rarest words (0: all);
                                 # 6: in-domain 93.1 -> 94.9% on the tuning sets, off-topic unchanged


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float
    topic: str


@dataclass(frozen=True)
class Match:
    entry_id: str
    score: float
    # The best match is a subject the skill declines (knowledge/out_of_scope.yaml): the caller
    # says "I don't know that one", as it does for no match at all.
    declined: bool = False


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
        # The longest rule starting with each word: most words start none, and are copied as is.
        self._longest: dict[str, int] = {}
        for rule in (*self._replacements, *self._fillers):
            self._longest[rule[0]] = max(len(rule), self._longest.get(rule[0], 0))
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
        words = _words(text)
        # Replacements can feed each other ("duel audio" -> "dual audio" -> "dualaudio"): repeat
        # until nothing changes (the lexicon is small and has no cycles; 3 passes bound it).
        # Fillers go last, so a phrase that contains one ("works with alexa") is still rewritten.
        for _ in range(3):
            rewritten = self._rewrite(words, self._replacements)
            if rewritten == words:
                break
            words = rewritten
        return " ".join(_without_repeats(self._rewrite(words, self._fillers)))

    def _rewrite(self, words: tuple[str, ...], table: dict) -> tuple[str, ...]:
        out: list[str] = []
        i = 0
        longest = self._longest
        while i < len(words):
            for n in range(min(longest.get(words[i], 0), len(words) - i), 0, -1):
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
        words = self.clean(text).split()
        if correct and self.vocabulary:
            # The length that decides whether a word is long enough to correct is the word as
            # said: "remeber" stems to "remeb", which is still worth correcting to "rememb".
            return tuple(self._correct(self.stem(w), len(w)) for w in words)
        return tuple(self.stem(w) for w in words)

    @lru_cache(maxsize=4096)
    def _correct(self, word: str, said: int) -> str:
        if word in self.vocabulary or said < _SPELL_MIN_LEN or word.isdigit():
            return word
        found = process.extractOne(word, self._vocab_list, scorer=fuzz.ratio, score_cutoff=_SPELL_CUTOFF)
        if found is None:
            return word
        # One edit is a typo; more than that on a short word is a different word.
        if Levenshtein.distance(word, found[0]) > max(1, len(word) // 4):
            return word
        return found[0]


_HOW_TO = frozenset({"do", "to", "can", "should", "would", "could"})


def _asks_how(tokens: tuple[str, ...]) -> bool:
    """ "how do i ...", "how to ...", "how can i ...": a request for steps, not "how does it work"."""
    return len(tokens) > 1 and tokens[0] == "how" and tokens[1] in _HOW_TO and "know" not in tokens[2:4]


class Matcher:
    """Scores knowledge entries against a question. Build once per cold start; `match` is pure."""

    def __init__(self, questions: Mapping[str, Iterable[str]], topics: Mapping[str, str],
                 lexicon: Lexicon, settings: MatchSettings, weights: Weights = Weights(),
                 stems: Mapping[str, str] | None = None,
                 tokenized: Mapping[str, Iterable[Iterable[str]]] | None = None,
                 declines: Iterable[str] = (), howtos: Iterable[str] = (), semantic=None):
        """`tokenized`: the variants already normalised by this lexicon (the compiled index).
        `declines`: ids among `questions` that stand for subjects the skill does not answer.
        `howtos`: ids of the entries that give steps (guides and how-tos).
        `semantic`: a `semantic.Semantic` that re-orders near-tied candidates by meaning, or None."""
        self.settings = settings
        self.semantic = semantic
        self.declines = frozenset(declines)
        self.howtos = frozenset(howtos)
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
        self._entry_variants: dict[str, list[int]] = {}
        for eid, variants in raw.items():
            vocab: set[str] = set()
            for tokens in variants:
                content = frozenset(t for t in tokens if t not in stop)
                if not content:
                    continue
                self._entry_variants.setdefault(eid, []).append(len(self._variants))
                self._variants.append((eid, content, " ".join(t for t in tokens if t not in stop)))
                vocab |= content
            self._entry_vocab[eid] = frozenset(vocab)
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
        # Coverage: each entry's variants pooled into one document and scored with BM25, words
        # like "how" and "why" included (they tell a how-to from an explanation), normalised to
        # 0-1 by what the question's rarest words (`Weights.coverage_words`) would score if each
        # filled the document: a long post with backstory ("got two Dots for Christmas and...")
        # is not penalised for its story. Pooling generalises to unseen phrasings better than any
        # single variant does (measured with cross-validation: fewer wrong answers and more right
        # ones at the same abstention rate).
        pooled = {eid: Counter(t for v in raw[eid] for t in v) for eid in self._entry_variants}
        average = sum(sum(c.values()) for c in pooled.values()) / max(1, len(pooled))
        containing = Counter(t for c in pooled.values() for t in c)
        self._bm25_idf = {t: math.log((len(pooled) - c + 0.5) / (c + 0.5) + 1) for t, c in containing.items()}
        self._bm25_unknown = max(self._bm25_idf.values(), default=1.0)
        k1, b = weights.bm25_k1, weights.bm25_b
        # Each word's BM25 contribution to every entry using it, in fixed point (units of
        # 2**-_FIXED_BITS), so a question's coverage of all entries is a sum of a few vectors.
        # For a word in many entries the vector is packed into one int, a 64-bit field per
        # entry: adding those ints adds every entry's number at once, in C. The other words keep
        # postings (entry position, number).
        dense: dict[str, int] = {}
        self._postings: dict[str, list[tuple[int, int]]] = {}
        for i, (eid, counts) in enumerate(pooled.items()):
            saturation = k1 * (1 - b + b * sum(counts.values()) / average)
            for t, f in counts.items():
                value = round(self._bm25_idf[t] * f / (f + saturation) * (1 << _FIXED_BITS))
                if containing[t] > len(pooled) * _DENSE_SHARE:
                    dense[t] = dense.get(t, 0) | value << (_FIELD_BITS * i)
                else:
                    self._postings.setdefault(t, []).append((i, value))
        self._dense = dense
        self._field_bytes = _FIELD_BITS // 8 * len(pooled)
        # Each word is a bit, and an entry's or variant's words an int of those bits: the words
        # one shares with a question are then a single AND, cheap enough to do for every entry.
        # Common words get the low bits: a question is mostly common words, so the ANDs below
        # produce small ints that are cheap to make and to hash.
        self._bit = {t: 1 << i for i, t in enumerate(sorted(containing, key=lambda t: (-containing[t], t)))}
        self._entries: list[tuple[str, int, list[float], list[tuple[float, int, str]]]] = []
        for eid in pooled:
            # Variants by weight: a variant's weight alone bounds its word score for a question.
            ix = sorted(self._entry_variants[eid], key=self._variant_weight.__getitem__)
            self._entries.append((eid, self._bits(self._entry_vocab[eid]), [self._variant_weight[i] for i in ix],
                                  [(self._variant_weight[i], self._bits(self._variants[i][1]), self._variants[i][2])
                                   for i in ix]))

    def _bits(self, tokens: Iterable[str]) -> int:
        bits = 0
        for token in tokens:
            bits |= self._bit[token]
        return bits

    def content_tokens(self, text: str) -> tuple[str, ...]:
        return tuple(t for t in self.normaliser.tokens(text) if t not in self._stop)

    def _weight(self, token: str) -> float:
        return self._idf.get(token, self._unknown_idf)

    def rank(self, text: str, limit: int = 5, floor: float = 0.0, topic: str | None = None) -> list[Candidate]:
        """Best-first candidates with scores 0-100; those that cannot reach `floor` may be left out.
        With `topic`, only entries of that topic are ranked."""
        return self._rank(self.normaliser.tokens(text), limit, floor, topic)

    def _rank(self, tokens: tuple[str, ...], limit: int, floor: float, topic: str | None) -> list[Candidate]:
        """`rank` on the question's tokens.

        Exact, and cheap at ten times today's size. BM25 coverage is computed for every entry at
        once (vector sums); with it, the words an entry shares with the question bound its best
        variant's score (precision cannot exceed the share of the question's weight the entry
        holds; recall and fuzzy at most 1): entries are visited best bound first until that bound
        falls below the `limit`-th score found (or `floor`). Inside an entry, a variant of weight v
        shares at most min(shared, v) of the question's weight, a bound that peaks at v = shared
        and falls on both sides: only the window of variants around it that can still win has
        its shared words counted, and rapidfuzz runs last, best bound first.
        """
        query = tuple(t for t in tokens if t not in self._stop)
        if not query:
            return []
        qweights = {t: self._weight(t) for t in set(query)}
        qweight = sum(qweights.values())
        if qweight < self.settings.min_query_weight:
            return []
        qtext = " ".join(query)
        bm25_idf = {t: self._bm25_idf.get(t, self._bm25_unknown) for t in set(tokens)}
        bm25_total = sum(sorted(bm25_idf.values(), reverse=True)[:self.weights.coverage_words or None])
        qbits, qitems = self._mask(qweights)
        w = self.weights
        keep, overlap, exact, fuzzy_weight, cover = 1 - w.coverage, w.overlap, w.precision, w.fuzzy, w.coverage
        packed = sum([self._dense[t] for t in bm25_idf if t in self._dense])
        fields = array("Q", packed.to_bytes(self._field_bytes, "little"))
        if _BIG_ENDIAN:
            fields.byteswap()
        coverage = fields.tolist()
        for t in bm25_idf:
            for i, value in self._postings.get(t, ()):
                coverage[i] += value
        scale = cover / bm25_total / (1 << _FIXED_BITS)
        met_of: dict[int, tuple[float, float]] = {}  # question words met -> their weight, word-score bound
        shared_of: dict[int, float] = {}  # ...and just their weight, for variants
        pair = keep * overlap * 2  # a variant's word score is (pair / (qweight + v) + per_shared) * shared
        per_shared = keep * exact / qweight

        def met(common: int) -> tuple[float, float]:
            weight = sum([weight for bit, weight in qitems if common & bit])
            p = weight / qweight
            found = met_of[common] = (weight, keep * (overlap * 2 * p / (p + 1) + exact * p + fuzzy_weight))
            return found

        best: dict[str, float] = {}
        kth = floor / 100.0
        ranked = []
        pairs = zip(self._entries, coverage)
        if topic is not None:
            pairs = [(entry, most) for entry, most in pairs if self.topics.get(entry[0]) == topic]
        # The words bound is at most keep * (overlap + exact + fuzzy): an entry whose coverage
        # cannot make up the rest is skipped before its words are looked at.
        need = (kth - keep * (overlap + exact + fuzzy_weight)) / scale
        for entry, most in pairs:
            if most < need:
                continue
            common = qbits & entry[1]
            if common:
                entry_shared, words = met_of.get(common) or met(common)
                most = scale * most if scale * most < cover else cover
                if words + most >= kth:
                    ranked.append((words + most, entry_shared, most, entry))
        ranked.sort(key=itemgetter(0), reverse=True)
        for bound, entry_shared, base, (eid, _, weights, variants) in ranked:
            if bound < kth:
                break
            # A variant of weight v shares at most min(entry_shared, v) of the question's weight:
            # its bound falls with v above entry_shared and rises with v below it, so the variants
            # that can still win are one window of the weight-sorted list.
            room = kth - base - keep * fuzzy_weight
            split = bisect_left(weights, entry_shared)
            top = len(weights)
            left = room - per_shared * entry_shared
            if left > 0:
                top = bisect_right(weights, pair * entry_shared / left - qweight, split)
            bottom = split
            while bottom and (pair / (qweight + weights[bottom - 1]) + per_shared) * weights[bottom - 1] >= room:
                bottom -= 1
            candidates = []
            for v, variant_bits, text in variants[bottom:top]:
                common = qbits & variant_bits
                shared_weight = shared_of.get(common)
                if shared_weight is None:
                    shared_weight = shared_of[common] = sum([weight for bit, weight in qitems if common & bit])
                if shared_weight:
                    words = (pair / (qweight + v) + per_shared) * shared_weight
                    if words >= room:
                        candidates.append((words, text))
            if not candidates:
                continue
            candidates.sort(reverse=True)
            entry_best = -1.0
            for words, variant_text in candidates:
                if words + keep * fuzzy_weight + base <= max(kth, entry_best):
                    break
                total = words + keep * fuzzy_weight * fuzz.token_sort_ratio(qtext, variant_text) / 100.0 + base
                if total > entry_best:
                    entry_best = total
            if entry_best >= 0 and entry_best > best.get(eid, -1.0):
                best[eid] = entry_best
                if len(best) >= limit:
                    kth = max(kth, heapq.nlargest(limit, best.values())[-1])
        scored = [Candidate(eid, round(100 * total, 2), self.topics.get(eid, "")) for eid, total in best.items()]
        scored.sort(key=lambda c: (-c.score, c.entry_id))
        return scored[:limit]

    def _mask(self, weights: Mapping[str, float]) -> tuple[int, list[tuple[int, float]]]:
        """The bits of these words together, and each known word's bit with its weight."""
        items = [(self._bit[t], weight) for t, weight in weights.items() if t in self._bit]
        bits = 0
        for bit, _ in items:
            bits |= bit
        return bits, items

    def _by_meaning(self, text: str, candidates: list[Candidate]) -> tuple[Candidate, float]:
        """The candidate with the best word score plus closeness in meaning (in points), and its
        closeness. The question is encoded only here."""
        weight = 100 * self.settings.rerank_weight
        try:
            closeness = self.semantic.closeness(text, [c.entry_id for c in candidates])
        except Exception:  # the encoder is a refinement: without it, the words decide
            log.exception("encoder failed", extra={"event": "encoder_error"})
            return candidates[0], 0.0
        best = max(candidates, key=lambda c: c.score + weight * closeness[c.entry_id])
        return best, closeness[best.entry_id]

    def _close_in_meaning(self, text: str, tokens: tuple[str, ...]) -> Match | None:
        """Below the threshold on words, a candidate above `rescue_floor` still answers when its
        variants mean what the question means (closeness at least `rescue_closeness`)."""
        settings = self.settings
        floor = settings.rescue_floor
        candidates = [c for c in self._rank(tokens, settings.rerank_candidates, floor, None) if c.score >= floor]
        if not candidates:
            return None
        best, closeness = self._by_meaning(text, candidates)
        if closeness < settings.rescue_closeness:
            return None
        return Match(best.entry_id, best.score, declined=best.entry_id in self.declines)

    def match(self, text: str, topic: str | None = None) -> Match | None:
        settings = self.settings
        tokens = self.normaliser.tokens(text)
        long = sum(t not in self._stop for t in tokens) >= settings.long_question_words
        threshold = settings.threshold - (settings.long_question_slack if long else 0.0)
        margin = settings.topic_margin
        # Nothing below the threshold can be the answer, so the ranking may stop there.
        rerank = self.semantic is not None and settings.rerank_weight > 0
        found = self._rank(tokens, settings.rerank_candidates if rerank else 1, threshold, None)
        if not found or found[0].score < threshold:
            return self._close_in_meaning(text, tokens) if rerank else None
        best = found[0]
        near = [c for c in found if c.score >= max(threshold, best.score - settings.rerank_margin)]
        if rerank and len(near) > 1:
            # Word scores this close do not tell the entries apart: their meaning decides.
            best, _ = self._by_meaning(text, near)
        if best.entry_id not in self.howtos and best.entry_id not in self.declines and _asks_how(tokens):
            # Never below the threshold: a how-to that would not be answered alone is not the answer.
            floor = max(threshold, best.score - settings.howto_margin)
            steps = [c for c in self._rank(tokens, 5, floor, None) if c.entry_id in self.howtos and c.score >= floor]
            if steps:
                best = steps[0]
        if topic and best.topic != topic:
            # Follow-ups inside a topic ("what about the Sub?") are short and ambiguous: prefer the
            # session's topic when its best candidate is within the margin of the overall best.
            near = self._rank(tokens, 1, best.score - margin, topic)
            if near and best.score - near[0].score <= margin:
                best = near[0]
        return Match(best.entry_id, best.score, declined=best.entry_id in self.declines)
