"""Word lists for quote attribution: reporting verbs (with generated inflections), speaker nouns,
pronouns and the small words that may sit between a speaker and its verb.

The lists live in ``streams/enrich/data/quotes/`` as plain text, one entry a line, so they can be
extended without touching code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "quotes"

_IRREGULAR: dict[str, tuple[str, ...]] = {
    "say": ("said",),
    "tell": ("told",),
    "write": ("wrote", "written"),
    "think": ("thought",),
    "read": (),
    "begin": ("began", "begun"),
    "find": ("found",),
    "know": ("knew",),  # "known" is mostly passive ("known as"), not a report
    "speak": ("spoke", "spoken"),
    "show": ("showed", "shown"),
    "feel": ("felt",),
    "seek": ("sought",),
    "hear": ("heard",),
    "understand": ("understood",),
    "see": ("saw", "seen"),
    "foresee": ("foresaw", "foreseen"),
    "swear": ("swore", "sworn"),
}

#: verbs that double their last consonant before -ed and -ing
_DOUBLED = frozenset(["admit", "quip", "snap", "plan", "slam", "refer", "prefer", "concur", "rebut"])

#: the days of the week as a regex alternation, for the patterns that skip the writer's time after a report
#: ("said on Monday", "talked about trade on Tuesday"); the abbreviations are the wire's ("Mon", "Tues")
WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
WEEKDAY_ABBREVIATIONS = "Mon|Tues|Wed|Thurs|Fri|Sat|Sun"

#: pronouns that can name a speaker, mapped to a coarse class used when resolving them
SPEAKER_PRONOUNS: dict[str, str] = {
    "he": "person", "she": "person", "i": "person", "we": "group", "they": "group", "it": "thing",
}

#: words allowed between a speaker and its reporting verb ("Kallas also said", "he had earlier told")
BRIDGE_WORDS: frozenset[str] = frozenset(
    ["also", "has", "had", "have", "would", "will", "could", "did", "does", "do", "then", "later", "again", "further", "once", "simply", "only", "previously", "earlier", "recently", "repeatedly", "separately", "publicly", "privately", "still", "even", "first", "finally", "has", "since", "just", "never", "often", "frequently", "initially", "reportedly", "subsequently", "afterwards", "afterward", "yesterday", "today", "tonight"]
)

#: determiners and possessives that open a descriptive mention ("the", "a", "her", "Trump's")
DETERMINERS: frozenset[str] = frozenset(["the", "a", "an", "his", "her", "their", "its", "our", "one", "another", "this", "that"])


@dataclass(frozen=True)
class Lexicon:
    """Cue-verb forms and speaker nouns, lower-cased."""

    speech_forms: frozenset[str]  # every form of every reporting verb
    clause_forms: frozenset[str]  # forms of verbs that take a reported clause (indirect speech)
    past_forms: frozenset[str]
    speaker_nouns: frozenset[str]
    first_name_gender: dict[str, str]  # lower-cased given name -> "f" or "m"
    #: forms of stance verbs whose object or to-infinitive is the reported content ("X urged Y to ...")
    complement_forms: frozenset[str] = frozenset()
    #: forms of verbs that report a clause only when "that" opens it ("maintained that ...", not "maintains a lead")
    that_forms: frozenset[str] = frozenset()
    #: base forms left out because they are mostly nouns ("support", "claim"), to be read as verbs only
    #: after a subject pronoun, a modal or "percent" ("47 percent support the plan", "they claim")
    bare_clause: frozenset[str] = frozenset()
    bare_complement: frozenset[str] = frozenset()
    #: forms of clause verbs whose direct object is the reported content when no clause follows
    #: ("announced his resignation", "acknowledged the mistake")
    object_forms: frozenset[str] = frozenset()
    #: what a speaker noun names when not a person: "org" (an organisation), "own" (an organisation
    #: someone leads: "the campaign"), "thing" (a document, a study, an office) or "kin" (someone
    #: related to another: "his wife"); see speaker_nouns.txt
    noun_kinds: dict[str, str] = field(default_factory=dict)


def inflections(lemma: str) -> set[str]:
    """The base, -s, past and -ing forms of a regular or listed irregular English verb."""
    forms = {lemma}
    if lemma.endswith(("s", "sh", "ch", "x", "z")):
        forms.add(lemma + "es")
    elif lemma.endswith("y") and lemma[-2:-1] not in "aeiou":
        forms.add(lemma[:-1] + "ies")
    else:
        forms.add(lemma + "s")
    if lemma in _IRREGULAR:
        forms.update(_IRREGULAR[lemma])
        if lemma == "read":
            forms.add("read")
    elif lemma.endswith("e"):
        forms.add(lemma + "d")
    elif lemma.endswith("y") and lemma[-2:-1] not in "aeiou":
        forms.add(lemma[:-1] + "ied")
    elif lemma in _DOUBLED:
        forms.add(lemma + lemma[-1] + "ed")
    else:
        forms.add(lemma + "ed")
    if lemma.endswith("ie"):
        forms.add(lemma[:-2] + "ying")
    elif lemma.endswith("e") and not lemma.endswith("ee"):
        forms.add(lemma[:-1] + "ing")
    elif lemma in _DOUBLED:
        forms.add(lemma + lemma[-1] + "ing")
    else:
        forms.add(lemma + "ing")
    return forms


def _lines(name: str) -> list[str]:
    out = []
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


def data_lines(name: str) -> list[str]:
    """The entries of a word list in ``DATA_DIR``: its lines without comments and blank lines."""
    return _lines(name)


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """Read the word lists once per process."""
    speech: set[str] = set()
    clause: set[str] = set()
    past: set[str] = set()
    complement: set[str] = set()
    that_only: set[str] = set()
    bare_clause: set[str] = set()
    bare_complement: set[str] = set()
    objects: set[str] = set()
    for line in _lines("speech_verbs.txt"):
        parts = line.split()
        lemma = parts[0].lower()
        forms = inflections(lemma)
        if "~" in parts[1:] and "^" not in parts[1:]:
            (bare_clause if "+" in parts[1:] else bare_complement if "=" in parts[1:] else set()).add(lemma)
        if "~" in parts[1:] or "~~" in parts[1:]:
            forms.discard(lemma)
        if "~~" in parts[1:]:
            forms = {f for f in forms if f.endswith(("ed", "ing"))}
        if "!" not in parts[1:]:
            speech.update(forms)
        if "+" in parts[1:]:
            clause.update(forms)
        if "=" in parts[1:]:
            complement.update(forms)
        if "^" in parts[1:]:
            that_only.update(forms)
        if "&" in parts[1:]:
            objects.update(forms)
        past.update(f for f in forms if f.endswith("ed") or f in _IRREGULAR.get(lemma, ()))
    entries = [line.lower().split() for line in _lines("speaker_nouns.txt")]
    nouns = {e[0] for e in entries}
    kinds = {e[0]: e[1] for e in entries if len(e) > 1}
    genders = dict(line.split("\t", 1) for line in _lines("first_names.tsv"))
    return Lexicon(frozenset(speech), frozenset(clause), frozenset(past), frozenset(nouns),
                   {k.strip().lower(): v.strip() for k, v in genders.items()}, frozenset(complement), frozenset(that_only),
                   frozenset(bare_clause - clause), frozenset(bare_complement - complement - clause),
                   frozenset(objects), kinds)
