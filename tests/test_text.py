"""The sentencepiece tokenizer and prompt checks."""

import numpy as np
import pytest

from vidgan_jax.text import PAD_ID, PromptError, Tokenizer, check_prompt

pytestmark = pytest.mark.fast  # Unit tests: the `make test-fast` tier.

CAPTIONS = [
  f"{s} {a} {p}"
  for s in ("a man", "someone", "a woman in red")
  for a in ("plays golf", "sails a boat", "swims laps", "rides a bike")
  for p in ("on the grass", "at sea", "in the swimming pool", "on the snow")
]


@pytest.fixture(scope="module")
def tokenizer():
  return Tokenizer.train(CAPTIONS, vocab_size=320, max_length=32)


def test_round_trip(tokenizer):
  ids = tokenizer.encode(CAPTIONS[:5])
  assert ids.shape == (5, 32) and ids.dtype == np.int32
  assert tokenizer.decode(ids) == CAPTIONS[:5]


def test_case_is_folded(tokenizer):
  np.testing.assert_array_equal(tokenizer.encode(["A Man Plays GOLF"]), tokenizer.encode(["a man plays golf"]))


def test_padding_and_truncation(tokenizer):
  ids = tokenizer.encode(["golf", "golf " * 50])
  assert ids[0, -1] == PAD_ID and (ids[0] != PAD_ID).sum() >= 1
  assert (ids[1] != PAD_ID).all()


def test_unknown_and_non_ascii_text_still_encodes(tokenizer):
  ids = tokenizer.encode(["a zebra plays golf", "ünïcödé 日本 golf"])
  assert (ids != PAD_ID).sum(axis=1).min() > 3
  assert tokenizer.decode(ids[1:])[0].startswith("ünïcödé 日本")
  assert tokenizer.unknown_words("A zebra plays golf on the Moon") == ["zebra", "moon"]


def test_training_is_deterministic_and_serialises(tokenizer):
  again = Tokenizer.train(CAPTIONS, vocab_size=320, max_length=32)
  np.testing.assert_array_equal(again.encode(CAPTIONS), tokenizer.encode(CAPTIONS))
  restored = Tokenizer.from_json(tokenizer.to_json())
  np.testing.assert_array_equal(restored.encode(CAPTIONS), tokenizer.encode(CAPTIONS))
  assert restored.known_words == tokenizer.known_words


@pytest.mark.parametrize("bad", ["", "   ", "\n\t"])
def test_empty_prompt_is_a_clear_error(bad):
  with pytest.raises(PromptError, match="empty"):
    check_prompt(bad)


def test_prompt_whitespace_is_normalised():
  assert check_prompt("  a man \n plays golf ") == "a man plays golf"
