"""A fixed set of bad and odd prompts, and what `vidgan sample` must do with each.

Each gives clips (with a warning when part of it means nothing to the model) or one clear error
line, never a traceback. tests/test_prompts.py runs the whole set; `python -m benchmarks.reliability.chaos`
counts it in its summary.
"""

import dataclasses

CLIPS, ERROR = "clips", "error"
NO_WORD = "not one word the model learnt"
UNSEEN_WORDS = "words never seen in training captions"
UNSEEN_CHARACTERS = "characters never seen in training captions"
CUT = "are used"
SEEN = "a man plays golf on the grass"


@dataclasses.dataclass(frozen=True)
class OddPrompt:
  name: str
  text: str
  outcome: str  # CLIPS or ERROR
  message: str | None  # A fragment of the warning or error; None: a sound prompt, no warning due.


ODD_PROMPTS = (
  OddPrompt("empty", "", ERROR, "the prompt is empty"),
  OddPrompt("spaces", "     ", ERROR, "the prompt is empty"),
  OddPrompt("tabs and newlines", "\t\n \r\n", ERROR, "the prompt is empty"),
  OddPrompt("only invisible characters", "\u200b\u200e\ufeff", ERROR, "the prompt is empty"),
  OddPrompt("NUL", "a man plays golf\x00 on the grass", ERROR, "control character U+0000"),
  OddPrompt("bell", "a man plays\x07 golf", ERROR, "control character U+0007"),
  OddPrompt("terminal colour codes", "\x1b[31mgolf\x1b[0m on the grass", ERROR, "control character U+001B"),
  OddPrompt("delete character", "golf\x7f", ERROR, "control character U+007F"),
  OddPrompt("undecodable byte", "a man plays golf \udcff", ERROR, "not valid UTF-8"),
  OddPrompt("10,000 characters of captions", (SEEN + " ") * 333, CLIPS, CUT),
  OddPrompt("10,000 characters, one word", "x" * 10_000, CLIPS, NO_WORD),
  OddPrompt("emoji among words", "a man plays golf \U0001f3cc\ufe0f on the grass", CLIPS, UNSEEN_CHARACTERS),
  OddPrompt("only emoji", "\U0001f3cc\U0001f3ca\u26f5", CLIPS, NO_WORD),
  OddPrompt(
    "right-to-left Hebrew", "\u05d0\u05d3\u05dd \u05de\u05e9\u05d7\u05e7 \u05d2\u05d5\u05dc\u05e3", CLIPS, NO_WORD
  ),
  OddPrompt("right-to-left Arabic", "\u0631\u062c\u0644 \u064a\u0644\u0639\u0628", CLIPS, NO_WORD),
  OddPrompt("right-to-left override mark", "a man plays golf\u202e on the grass", CLIPS, None),
  OddPrompt("mixed scripts", "a man plays golf \u043d\u0430 \u0442\u0440\u0430\u0432\u0435", CLIPS, UNSEEN_WORDS),
  OddPrompt("only unknown words", "quantum zeppelin harmonica", CLIPS, NO_WORD),
  OddPrompt("only punctuation", "?!.,;:-()[]", CLIPS, NO_WORD),
  OddPrompt("a number", "42", CLIPS, NO_WORD),
  OddPrompt("a flag-like prompt", "--num=100000", CLIPS, NO_WORD),
  OddPrompt("accented word", "a man plays g\u00f3lf on the grass", CLIPS, UNSEEN_WORDS),
  OddPrompt("combining accent", "a man plays golf\u0301 on the grass", CLIPS, UNSEEN_CHARACTERS),
  OddPrompt(
    "full-width letters",
    "\uff41 \uff4d\uff41\uff4e \uff50\uff4c\uff41\uff59\uff53 \uff47\uff4f\uff4c\uff46",
    CLIPS,
    None,
  ),
  OddPrompt("capitals", SEEN.upper(), CLIPS, None),
  OddPrompt("zero-width spaces", "a man\u200b plays golf on the\u200b grass", CLIPS, None),
  OddPrompt("byte-order mark", "\ufeff" + SEEN, CLIPS, None),
  OddPrompt("newline inside", "a man plays golf\non the grass", CLIPS, None),
  OddPrompt("one word", "golf", CLIPS, None),
  OddPrompt("repeated word", "golf golf golf golf golf golf golf golf", CLIPS, None),
  OddPrompt("punctuation glued to words", "a man,plays golf;on the grass!!!", CLIPS, None),
  OddPrompt("SQL", "'; DROP TABLE videos; --", CLIPS, NO_WORD),
  OddPrompt("HTML", "<script>alert(1)</script>", CLIPS, NO_WORD),
  OddPrompt("a path", "../../etc/passwd", CLIPS, NO_WORD),
  OddPrompt("held-out pair", "a man plays golf in the swimming pool", CLIPS, None),
)
