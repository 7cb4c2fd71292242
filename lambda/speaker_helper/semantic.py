"""Meaning, not words: sentence embeddings that choose between candidates the matcher finds close.

The matcher's word scores decide whether the skill answers at all and which entries are in the
running. When several entries score within a few points of each other ("can I connect two
speakers" is near both "connect a Bluetooth speaker" and "two speakers at once"), word overlap
cannot tell them apart, but the question's meaning often can. The encoder is all-MiniLM-L6-v2
(`data/encoder/NOTICE.md`) run by onnxruntime; every question variant's vector is computed when the
knowledge is compiled (`make knowledge`) and shipped in `data/variant_vectors.npz`, so a request
encodes only the user's question.
"""
from __future__ import annotations

import hashlib
import logging
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

log = logging.getLogger(__name__)

DATA = Path(__file__).with_name("data")
MODEL = DATA / "encoder" / "minilm-l6-v2-int8.onnx"
TOKENIZER = DATA / "encoder" / "tokenizer.json"
VECTORS = DATA / "variant_vectors.npz"
# Beyond this many word pieces a forum post's tail is cut: the question is usually in its first
# hundred words, and the encoder's time grows with the length.
MAX_TOKENS = 128
# An entry's closeness to a question: the mean cosine of its `NEAREST` closest variants, so one
# odd variant does not carry an entry.
NEAREST = 3


class WordPiece:
    """BERT's uncased tokenizer, as `tokenizer.json` describes it (BertNormalizer, BertPreTokenizer,
    WordPiece with "##" continuations). Written here rather than taken from the `tokenizers`
    package, which with huggingface-hub and hf-xet adds about 30 MB and a model-hub client to the
    Lambda (and for arm64 hf-xet has no manylinux2014 wheel, so `sam build` fails); a test checks
    it against `tokenizers` on every question we have."""

    def __init__(self, path: Path = TOKENIZER):
        import json

        spec = json.loads(path.read_text(encoding="utf-8"))
        self.vocab: dict[str, int] = spec["model"]["vocab"]
        self.unk = self.vocab[spec["model"]["unk_token"]]
        self.longest = spec["model"]["max_input_chars_per_word"]
        self.cls, self.sep = self.vocab["[CLS]"], self.vocab["[SEP]"]

    @staticmethod
    def _words(text: str) -> list[str]:
        import unicodedata

        out = []
        for ch in text:
            code = ord(ch)
            if code == 0 or code == 0xFFFD:
                continue
            if ch in " \t\n\r" or unicodedata.category(ch) == "Zs":
                out.append(" ")
            elif unicodedata.category(ch) in ("Cc", "Cf"):
                continue
            elif _cjk(code):
                out.append(f" {ch} ")
            else:
                out.append(ch)
        text = unicodedata.normalize("NFD", "".join(out).lower())
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
        words = []
        for chunk in text.split():
            word = ""
            for ch in chunk:
                if _punctuation(ch):
                    if word:
                        words.append(word)
                    words.append(ch)
                    word = ""
                else:
                    word += ch
            if word:
                words.append(word)
        return words

    def _pieces(self, word: str) -> list[int]:
        if len(word) > self.longest:
            return [self.unk]
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    pieces.append(self.vocab[piece])
                    break
                end -= 1
            else:
                return [self.unk]
            start = end
        return pieces

    def ids(self, text: str, limit: int = MAX_TOKENS) -> list[int]:
        """[CLS] word pieces [SEP], at most `limit` ids in all."""
        ids = []
        for word in self._words(text):
            ids += self._pieces(word)
            if len(ids) >= limit - 2:
                break
        return [self.cls, *ids[:limit - 2], self.sep]


def _cjk(code: int) -> bool:
    return (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2A6DF
            or 0x2A700 <= code <= 0x2B73F or 0x2B740 <= code <= 0x2B81F or 0x2B820 <= code <= 0x2CEAF
            or 0xF900 <= code <= 0xFAFF or 0x2F800 <= code <= 0x2FA1F)


def _punctuation(ch: str) -> bool:
    import unicodedata

    code = ord(ch)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


class Encoder:
    """Text -> unit-length 384-dimensional vector."""

    def __init__(self, model: Path = MODEL, tokenizer: Path = TOKENIZER):
        import onnxruntime

        self.tokenizer = WordPiece(tokenizer)
        options = onnxruntime.SessionOptions()
        # A Lambda function at 512 MB has a fraction of one vCPU: more threads only contend.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])

    def encode(self, text: str) -> np.ndarray:
        ids = np.array([self.tokenizer.ids(text)], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        return self.session.run(None, feeds)[0][0]


@lru_cache(maxsize=1)
def shared_encoder() -> Encoder:
    """One encoder per process: the model files never change while it runs."""
    return Encoder()


def fingerprint(questions: Mapping[str, Iterable[str]], model: Path = MODEL) -> str:
    """Which variants, in which order, under which encoder (the model file's own bytes): a new
    model or an edited variant makes the vectors file out of date."""
    digest = hashlib.sha256(model.read_bytes())
    for entry_id, variants in questions.items():
        for text in variants:
            digest.update(f"\n{entry_id}\t{text}".encode())
    return digest.hexdigest()


def compile_vectors(questions: Mapping[str, Iterable[str]], target: Path = VECTORS,
                    encoder: Encoder | None = None) -> int:
    """Encode every question variant and write them with their text; returns the count."""
    encoder = encoder or shared_encoder()
    ids, texts = [], []
    for entry_id, variants in questions.items():
        for text in variants:
            ids.append(entry_id)
            texts.append(text)
    rows = [encoder.encode(text) for text in texts]
    np.savez_compressed(target, vectors=np.array(rows, dtype=np.float16), ids=np.array(ids),
                        texts=np.array(texts), fingerprint=np.array(fingerprint(questions)))
    return len(rows)


def vectors_current(questions: Mapping[str, Iterable[str]], path: Path = VECTORS) -> bool:
    try:
        with np.load(path) as data:
            return str(data["fingerprint"]) == fingerprint(questions)
    except (OSError, KeyError, ValueError):
        return False


class Semantic:
    """Each entry's variant vectors, and the question's closeness to an entry."""

    def __init__(self, encoder: Encoder, vectors: Mapping[str, np.ndarray]):
        self.encoder = encoder
        self.vectors = dict(vectors)

    @classmethod
    def load(cls, questions: Mapping[str, Iterable[str]], path: Path = VECTORS,
             encoder: Encoder | None = None) -> Semantic:
        """The shipped vectors of these variants. A variant the file lacks (knowledge edited
        without `make knowledge`, or a test's own variants) is encoded now, with a warning:
        slower to start, never wrong."""
        encoder = encoder or shared_encoder()
        stored: dict[tuple[str, str], np.ndarray] = {}
        try:
            with np.load(path) as data:
                matrix = data["vectors"].astype(np.float32)
                stored = dict(zip(zip(data["ids"].tolist(), data["texts"].tolist()), matrix))
        except (OSError, KeyError, ValueError) as exc:
            log.warning("no usable variant vectors", extra={"event": "vectors_missing", "reason": str(exc)[:200]})
        vectors, encoded = {}, 0
        for entry_id, variants in questions.items():
            rows = []
            for text in variants:
                vector = stored.get((entry_id, text))
                if vector is None:
                    vector, encoded = encoder.encode(text), encoded + 1
                rows.append(vector)
            vectors[entry_id] = np.array(rows, dtype=np.float32).reshape(len(rows), -1)
        if encoded:
            log.warning("question variants encoded at start: run `make knowledge`",
                        extra={"event": "vectors_stale", "encoded": encoded})
        return cls(encoder, vectors)

    def subset(self, keep: Mapping[str, Iterable[int]]) -> Semantic:
        """Only some variants of each entry (cross-validation leaves the asked ones out)."""
        return Semantic(self.encoder, {e: self.vectors[e][list(rows)] for e, rows in keep.items()})

    def closeness(self, text: str, entry_ids: Iterable[str]) -> dict[str, float]:
        query = self.encoder.encode(text)
        out = {}
        for entry_id in entry_ids:
            vectors = self.vectors.get(entry_id)
            if vectors is None or not len(vectors):
                out[entry_id] = 0.0
                continue
            cosines = vectors @ query
            nearest = np.partition(cosines, -NEAREST)[-NEAREST:] if len(cosines) > NEAREST else cosines
            out[entry_id] = float(nearest.mean())
        return out
