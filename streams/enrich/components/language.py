"""Language identification (offline, deterministic), with its confidence recorded.

Uses ``py3langid`` (langid.py's naive Bayes over byte n-grams; its model ships inside the package, no
download; probabilities calibrated across text lengths). Decisions:

- ``article.language`` given by the source wins; it is normalised to ISO 639-1 (``"en-US"`` -> ``"en"``).
- Only the first ``max_chars`` characters of the body outside noise spans (header, dateline,
  credits...) are looked at, plus the headline: enough for a stable answer, and cheap.
- Text with fewer than ``min_letters`` letters is *undetermined*: ``ctx.language`` stays ``None``.
  The engine runs English-only components on ``None`` (it cannot know better), so a short English
  brief is still enriched; a short foreign one is enriched as if English, which does little harm.
- A guess other than English below ``min_confidence`` is left undetermined too: a low-confidence
  guess never skips the English components (entities, quotes, topics) — "Kaja Kallas: Ukraine needs
  guarantees" is 44 % Estonian to the model. Text that is mostly figures (results tables) is undetermined.
- Fast path: in a text of at least ``english_words`` words where English function words ("the", "of",
  "and", "said"...) make up at least ``english_share`` of them, the text is English and the model is not
  asked (~0.1 ms; no other language reaches that share of these words in running text).
- ``ctx.provenance["language_detection"]`` records how: ``by`` (``source``, ``function words``,
  ``py3langid``, ``too short``, ``figures``), the model's ``guess`` and its ``confidence``.

Measured by ``benchmarks/bench_language.py`` against langdetect (which ran here before: 30 % of short
English items called confidently foreign, 64 % right; py3langid 89 % right and none; lingua-language-detector
93 % but a 96 MB wheel, ~40 s load and 1.5 GB of RAM per process).
"""

from __future__ import annotations

import re
import threading
from typing import Any

from streams.enrich.pipeline import Context

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
#: frequent English function words that are not (or rarely) words of other languages
ENGLISH_FUNCTION_WORDS: frozenset[str] = frozenset(
    "the of and to is was that for with said by from it its has have had are were be been will would "
    "which this their they he she his her who not but at or an on as after than in a rises falls says".split()
)
_lock = threading.Lock()
_identifier: Any = None


def _model() -> Any:
    """The process-wide py3langid identifier (loading its model takes ~1 s, once)."""
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


def normalise_code(code: str | None) -> str | None:
    """ISO 639-1 from a language tag (``"en-GB"`` -> ``"en"``, ``"zh-cn"`` -> ``"zh"``)."""
    if not code or not code.strip():
        return None
    return re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0] or None


def english_share(text: str) -> float:
    """Share of the words of ``text`` that are English function words."""
    words = _WORD.findall(text.lower())
    return sum(w in ENGLISH_FUNCTION_WORDS for w in words) / len(words) if words else 0.0


def identify(text: str, *, min_letters: int = 20, min_confidence: float = 0.8, english_share_min: float = 0.2,
             english_words: int = 12) -> dict[str, Any]:
    """How ``text``'s language was decided: ``language`` (ISO 639-1, or None when too short, mostly
    figures, or a non-English guess below ``min_confidence``), ``by``, and the model's ``guess`` and
    ``confidence`` when it was asked."""
    letters = len(_LETTER.findall(text))
    if letters < min_letters:
        return {"language": None, "by": "too short"}
    if len(_WORD.findall(text)) >= english_words and english_share(text) >= english_share_min:
        return {"language": "en", "by": "function words"}
    digits = sum(ch.isdigit() for ch in text)
    if digits > 0.2 * (digits + letters):
        return {"language": None, "by": "figures"}  # n-gram statistics say nothing reliable about tables
    upper = sum(ch.isupper() for ch in text)
    guess, confidence = _model().classify(text.lower() if upper > len(text) / 3 else text)
    guess, confidence = normalise_code(guess), round(float(confidence), 4)
    sure = guess == "en" or confidence >= min_confidence
    return {"language": guess if sure else None, "by": "py3langid", "guess": guess, "confidence": confidence}


def detect_language(text: str, *, min_letters: int = 20, min_confidence: float = 0.8,
                    english_share_min: float = 0.2) -> str | None:
    """ISO 639-1 code of ``text``, or ``None`` when it is too short or the model is unsure."""
    return identify(text, min_letters=min_letters, min_confidence=min_confidence,
                    english_share_min=english_share_min)["language"]


class LanguageDetector:
    """Sets ``ctx.language`` (ISO 639-1) unless the article already says which language it is in."""

    name = "language"
    requires: tuple[str, ...] = ("text",)
    provides: tuple[str, ...] = ("language",)
    english_only = False

    def __init__(
        self, max_chars: int = 1500, min_letters: int = 20, min_confidence: float = 0.8, english_share: float = 0.2
    ) -> None:
        self.max_chars = max_chars
        self.english_share = english_share
        self.min_letters = min_letters
        self.min_confidence = min_confidence
        _model()  # loaded before the first article

    def __call__(self, ctx: Context) -> None:
        given = normalise_code(ctx.article.language)
        if given:
            ctx.language = given
            ctx.provenance["language_detection"] = {"language": given, "by": "source"}
            return
        sample = (ctx.title + "\n" if ctx.title else "") + self._body_sample(ctx)
        found = identify(sample, min_letters=self.min_letters, min_confidence=self.min_confidence,
                         english_share_min=self.english_share)
        ctx.language = found["language"]
        ctx.provenance["language_detection"] = found

    def _body_sample(self, ctx: Context) -> str:
        """The first ``max_chars`` of body text, skipping noise spans."""
        parts: list[str] = []
        pos, budget = 0, self.max_chars
        for start, end in sorted(ctx.noise_spans()):
            if start > pos:
                parts.append(ctx.text[pos:start][:budget])
                budget -= len(parts[-1])
            pos = max(pos, end)
            if budget <= 0:
                break
        if budget > 0:
            parts.append(ctx.text[pos:pos + budget])
        return " ".join(parts)
