"""Quote marks that are no quotation: scare quotes, names of works, words mentioned.

A short quoted stretch with no reporting verb near it is a scare quote ("a “deal”") or a title
("Face the Nation"); a title-cased one right after "titled" or before a noun ("the “Make America
Great Again” hat") names something; a lone quoted pronoun (“she”) is a word mentioned.
"""

from __future__ import annotations

import re

from streams.enrich.components.quotes.cues import near_cue
from streams.enrich.components.quotes.sentences import WORD
from streams.enrich.components.quotes.state import ArticleState, Found

_PRONOUN_WORDS = frozenset(["he", "she", "it", "they", "we", "i", "you", "him", "her", "them", "us", "me", "his", "hers",
                            "its", "their", "our", "my", "your", "this", "that", "these", "those"])
#: a noun right after a closing mark that makes the quoted words a name ("the “Ted Cruz” campaign pins")
_TITLE_NOUN_AFTER = re.compile(r"\s*(?:show|program|programme|hat|hats|shirt|shirts|t-shirt|pins|button|buttons|sign|signs|"
                               r"banner|slogan|book|film|movie|documentary|album|song|series|segment|broadcast|podcast|"
                               r"syllabus|course|tour|rally|forum|conference|summit|initiative|doctrine|strategy|"
                               r"movement|caucus|act|bill|amendment|campaign|franchise|brand|logo|app|website|column)\b")
#: the small words a title-cased name leaves in lower case
TITLE_SMALL = frozenset(["a", "an", "the", "of", "and", "or", "for", "to", "in", "on", "at", "by", "with", "from", "vs", "&", "de", "la"])


def title_case(words: list[str]) -> bool:
    """All content words capitalised, as in the name of a show, book or slogan."""
    if not words or not words[0][0].isupper():
        return False
    return all(w[0].isupper() or w.lower() in TITLE_SMALL for w in words)


def _names_a_work(art: ArticleState, f: Found, words: list[str]) -> bool:
    """A title-cased quote right after a possessive names a show, book or slogan, even when a
    reporting verb follows: on CBS's “Face the Nation,” Ryan said (the verb reports the words
    after it). The gold sets annotate 5 of 35 such quotes on PolNeAR dev + train 1-300; a chant
    ("the crowd's “Lock Her Up!”") is words spoken."""
    s, e = f.segments[0]
    return (
        title_case(words)
        and not re.search(r"[!?]\W*$", art.text[s:e])
        and re.search(r"(?:'s|’s)\s*$", art.text[max(0, f.marks[0].open_mark - 4) : f.marks[0].open_mark]) is not None
    )


def is_scare(art: ArticleState, f: Found, max_scare_words: int) -> bool:
    """Scare quotes and titles: short, unattributed, or a title-cased name of a work.
    ``max_scare_words``: the most words a scare quote or a title may have."""
    if len(f.segments) > 1:
        return False
    s, e = f.segments[0]
    words = WORD.findall(art.text[s:e])
    if f.marks[0].close_mark is None and len(words) < 3:
        return True
    if len(words) == 1 and words[0].lower() in _PRONOUN_WORDS and not ((f.source == "after" and f.cue) or f.verb_after):
        return True  # because “she” is a “he”: a word mentioned, not a quotation
    if len(words) > max_scare_words:
        return False
    if _names_a_work(art, f, words):
        return True
    if (f.source == "after" and f.cue is not None) or f.verb_after:
        return False
    if title_case(words) and re.search(
        r"(?:'s|’s|\bon|\bin|\btitled|\bentitled|\bnamed|\bbook|\bshow|\bprogram|\bfilm|\bpodcast)\s*$",
        art.text[max(0, f.marks[0].open_mark - 12) : f.marks[0].open_mark],
    ):
        return True  # a show, book or ad named: on CBS's “Face the Nation”, titled “Arrogant”
    close = f.marks[0].close_mark
    if title_case(words) and close is not None and _TITLE_NOUN_AFTER.match(art.text, close + 1):
        return True  # a name used as a modifier: the “Make America Great Again” hat, the “Perception” syllabus
    if f.speaker is None or title_case(words):
        return not near_cue(art, s, e)  # titles and scare quotes with no reporting verb around
    return False
