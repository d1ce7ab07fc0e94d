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
