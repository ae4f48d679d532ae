"""Captions to token ids: a sentencepiece BPE model trained on the training captions.

The model is trained in memory (no files, no downloads), deterministically, and saved as one JSON
file holding the serialized sentencepiece model plus the set of words seen in training, so that
prompts with words the model never saw can be reported.
"""

import base64
import io
import json
import re
import string
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np
import sentencepiece as spm

PAD_ID = 0
UNK_ID = 1
_WORD = re.compile(r"[\w']+")


def caption_words(text: str) -> set[str]:
  return set(_WORD.findall(text.lower()))


class PromptError(ValueError):
  """A prompt that cannot be turned into a caption embedding."""


def shown(text: str, limit: int = 60) -> str:
  """`text` quoted for a message, cut to `limit` characters (a prompt can be 10,000 long)."""
  return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text)} characters)"


def check_prompt(text: str) -> str:
  """The prompt as the tokenizer sees it: Unicode NFKC form (full-width letters, ligatures and
  the like become plain ones), invisible format characters (zero-width spaces, direction marks,
  byte-order marks) dropped, runs of whitespace one space. Raises PromptError for text that is
  empty, not valid UTF-8 (undecodable bytes from the command line), or holds control characters."""
  if not isinstance(text, str):
    raise PromptError(f"a prompt must be a string, got {type(text).__name__}")
  for i, char in enumerate(text):
    if "\ud800" <= char <= "\udfff":
      raise PromptError(f"the prompt {shown(text)} is not valid UTF-8 text (an undecodable byte at character {i})")
    if unicodedata.category(char) == "Cc" and not char.isspace():
      raise PromptError(
        f"the prompt {shown(text)} holds the control character U+{ord(char):04X} at character {i}: remove it"
      )
  visible = "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf")
  stripped = " ".join(visible.split())
  if not stripped:
    raise PromptError("the prompt is empty: describe an action and a scene, e.g. 'playing golf on the grass'")
  return stripped


class Tokenizer:
  """Encodes text to fixed-length int32 ids (0 = padding) and back."""

  def __init__(self, model_proto: bytes, known_words: Iterable[str], max_length: int):
    if max_length < 1:
      raise ValueError(f"max_length must be positive, got {max_length}")
    self._model_proto = model_proto
    self._sp = spm.SentencePieceProcessor(model_proto=model_proto)
    self.known_words = frozenset(known_words)
    self.max_length = max_length

  @classmethod
  def train(cls, captions: Iterable[str], vocab_size: int, max_length: int) -> "Tokenizer":
    """Trains BPE on `captions`. Same captions in the same order give the same model."""
    captions = [check_prompt(c) for c in captions]
    if not captions:
      raise ValueError("cannot train a tokenizer on zero captions")
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
      sentence_iterator=iter(captions),
      model_writer=model,
      model_type="bpe",
      vocab_size=vocab_size,
      pad_id=PAD_ID,
      unk_id=UNK_ID,
      bos_id=-1,
      eos_id=-1,
      # Case-folding normalisation and byte fallback: any text encodes, nothing is lost to <unk>.
      normalization_rule_name="nmt_nfkc_cf",
      byte_fallback=True,
      character_coverage=1.0,
      hard_vocab_limit=False,
      num_threads=1,
      minloglevel=2,
    )
    words = set().union(*(caption_words(c) for c in captions))
    return cls(model.getvalue(), words, max_length)

  @classmethod
  def for_config(cls, captions: Iterable[str], text_config) -> "Tokenizer":
    """The tokenizer a model with `config.text` uses: BPE on its training captions."""
    return cls.train(captions, text_config.vocab_size, text_config.max_length)

  @property
  def vocab_size(self) -> int:
    return self._sp.get_piece_size()

  def unknown_words(self, text: str) -> list[str]:
    """Words of `text` that no training caption contained, in order of appearance."""
    return sorted(caption_words(text) - self.known_words, key=text.lower().find)

  def unknown_characters(self, text: str) -> list[str]:
    """Characters of `text` (besides spaces and ASCII punctuation) that no training caption's words
    contained, e.g. emoji: the tokenizer turns them into byte pieces the model never learnt."""
    known = set("".join(self.known_words)) | set(string.punctuation)
    folded = text.casefold()  # As the tokenizer folds case (its normalisation rule nmt_nfkc_cf).
    return sorted({c for c in folded if not c.isspace() and c not in known}, key=folded.find)

  def token_count(self, text: str) -> int:
    return len(self._sp.encode(text))

  def encode(self, texts: Sequence[str]) -> np.ndarray:
    """int32 [N, max_length]; longer texts are truncated, shorter ones padded with 0."""
    ids = np.full((len(texts), self.max_length), PAD_ID, np.int32)
    for row, pieces in enumerate(self._sp.encode(list(texts))):
      pieces = pieces[: self.max_length]
      ids[row, : len(pieces)] = pieces
    return ids

  def decode(self, ids: np.ndarray) -> list[str]:
    return [self._sp.decode([int(i) for i in row if i != PAD_ID]) for row in np.atleast_2d(ids)]

  def to_json(self) -> str:
    return json.dumps(
      {
        "sentencepiece_model": base64.b64encode(self._model_proto).decode(),
        "known_words": sorted(self.known_words),
        "max_length": self.max_length,
      }
    )

  @classmethod
  def from_json(cls, text: str) -> "Tokenizer":
    data = json.loads(text)
    return cls(base64.b64decode(data["sentencepiece_model"]), data["known_words"], data["max_length"])
