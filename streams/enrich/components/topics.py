"""IPTC Media Topics tagging with a curated lexicon (no model download, no training data).

The evidence for a topic is the news vocabulary found in the headline and body:

* ``data/iptc/news_vocabulary.json`` — hand-written terms per top-level Media Topic, graded
  strong / typical / weak, and terms for about 330 finer Media Topics (diplomacy, peace process,
  defence, corporate earnings, soccer...);
* ``data/iptc/mediatopics_en.json`` — the IPTC taxonomy (CC BY 4.0): every active concept's label
  is also a term for that concept, and the tree gives each code its ancestors.

Each matched term adds its weight (damped: ``w * (1 + ln tf)``) to its codes; a headline hit counts
three times when the body has evidence for its top level, else once. Crime, law and justice counts
its court, law and police terms (the IPTC branches judiciary, law, law enforcement, where the
vocabulary places them) fully only beside an offence (its core branch, IPTC "crime"): without one
they are the setting of a political, business or arts story. The white-collar offences (IPTC corporate crime,
corruption, fraud) count 0.3x for crime in a story with strong business or political evidence of its own (news
desks file a company's fraud or a minister's bribes under business and politics).

The top levels whose share of all evidence is large enough are returned, best first (from a total
evidence of 0.6 on, two weak words or one typical term: a short item carried by a word or two still gets
its likely topic, with a score that says how thin the evidence is),
with the finer codes under them that have enough evidence of their own, and the ancestors of those.
A top level's score is a calibrated probability that it is the article's main topic (a logistic
map of its own evidence and its strongest rival's, ``data/iptc/calibration.json``; see
docs/topics.md for the reliability table).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from streams.core.iptc import media_topics
from streams.enrich.pipeline import Context
from streams.text.wire import HEADLINE_DERIVED

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "iptc"
VOCABULARY_FILE = "news_vocabulary.json"
CALIBRATION_FILE = "calibration.json"

TOP_WEIGHTS = {"S": 2.0, "T": 1.0, "W": 0.3}  # strong / typical / weak terms of a top level
FINE_WEIGHT = 1.0  # a hand-written term of a finer code
LABEL_WEIGHT = 0.8  # an IPTC label used as a term of its own code
SPILL = 0.4  # share of a finer code's evidence that also counts for its top level
TITLE_FACTOR = 3.0  # a headline term counts this many times when the body agrees with it...
TITLE_AGREEMENT = 1.5  # ...that is, when the body has this much evidence for one of its top levels
#: top level -> its core branch. The other branches of such a top level (for crime, law and justice:
#: the courts, the law, the police) are named in politics, business and arts news as often as in its
#: own, so their evidence counts fully for the top level only beside evidence from the core branch
#: (for crime: an offence is named). Terms the vocabulary places in no branch count as core.
CORE_BRANCH = {"02000000": "20000082"}
CORROBORATION = 2.0  # core evidence from which the other branches count fully (one strong term)
UNCORROBORATED = 0.3  # the factor on the other branches' evidence when there is no core evidence
CRIME = "02000000"
#: The white-collar offences (IPTC branches corporate crime, corruption, fraud) are the subject of business and
#: political news as often as of crime news: in an article with strong economy or politics evidence of its own
#: (>= CORROBORATION) they count this much for crime, law and justice.
WHITE_COLLAR = ("20000087", "20000093", "20000097")
WHITE_COLLAR_SETTINGS = ("04000000", "11000000")
WHITE_COLLAR_FACTOR = 0.3

# IPTC label words too general to be evidence on their own ("party" is a lifestyle topic in IPTC)
LABEL_STOPLIST = frozenset(
    """party game series trend animal adults men women children infants water metal transport prices consumers
    employee employer values family communities history language culture nature leisure lifestyle hobby
    gender mankind media science mathematics economics business court law crime government election
    politics religion sport society health education environment weather labour employment disaster
    travel retail wholesale loans investments pope plastic clothing school students teachers fire
    judge arrest police surgery therapy diet holiday game record final service services""".split()
)

_TOKEN = re.compile(r"[a-z0-9]+(?:['&.\-][a-z0-9]+)*")
_NAME = re.compile(r"[A-Z][\w'’.\-]*[a-zA-Z.](?:(?:\s+(?:of|the|de|for|and)){0,2}\s+[A-Z][\w'’.\-]*[a-zA-Z])*")
_NAME_STOP = frozenset(
    """The A An In On At For But And Or If As It Its He She They We I You His Her Their Our This That These Those
    There Here When While After Before Since During Mr Mrs Ms Dr Sir Monday Tuesday Wednesday Thursday Friday
    Saturday Sunday January February March April May June July August September October November December
    However Meanwhile Also According Recalling What Who Why How Where Every Each Some All No Not Now Then
    Reuter Reuters""".split()
)


#: words whose final s is not a plural: Aids is not "aid" (development aid, aid agencies), news not "new",
#: oil futures not "future", securities not "security"
NOT_PLURAL = frozenset({"aids", "news", "futures", "securities"})


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light plural/possessive folding so that 'elections' matches 'election'."""
    if word.endswith("'s"):
        word = word[:-2]
    if word in NOT_PLURAL:
        return word
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Lower-cased, stemmed word tokens (curly apostrophes folded)."""
    return [stem(t) for t in _TOKEN.findall(text.lower().replace("’", "'"))]


@dataclass(frozen=True)
class Concept:
    code: str  # 8 digits
    label: str
    level: int
    top: str
    ancestors: tuple[str, ...]  # from the top level down, without the code itself


@dataclass
class Lexicon:
    """Terms (tuples of stemmed tokens) -> [(code, weight, is_top_term)], and the taxonomy."""

    concepts: dict[str, Concept]
    terms: dict[tuple[str, ...], list[tuple[str, float, bool]]] = field(default_factory=dict)
    surface: dict[tuple[str, ...], str] = field(default_factory=dict)  # how a term is shown as a keyword
    prefixes: set[tuple[str, ...]] = field(default_factory=set)  # every proper prefix of a multi-word term
    max_len: int = 1
    outer: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)  # term -> tops it is not core of
    white_collar: set[tuple[str, ...]] = field(default_factory=set)  # crime terms only of white-collar branches

    def place_in_branches(self, core_branch: dict[str, str]) -> None:
        """Mark the terms that a top level of ``core_branch`` has only outside its core branch."""
        self.outer.clear()
        for key, entries in self.terms.items():
            outside = set()
            for top, core in core_branch.items():
                fine = [self.concepts[c] for c, _, is_top in entries if not is_top and self.concepts[c].top == top]
                if fine and not any(c.code == core or core in c.ancestors for c in fine):
                    outside.add(top)
            if outside:
                self.outer[key] = frozenset(outside)

    def place_white_collar(self, branches: Iterable[str]) -> None:
        """Mark the crime terms whose finer codes all lie in ``branches`` (the white-collar offences)."""
        branches = set(branches)
        self.white_collar.clear()
        for key, entries in self.terms.items():
            fine = [self.concepts[c] for c, _, is_top in entries if not is_top and self.concepts[c].top == CRIME]
            if fine and all(branches & {c.code, *c.ancestors} for c in fine):
                self.white_collar.add(key)

    def tops_of(self, key: tuple[str, ...]) -> set[str]:
        """The top levels a term is evidence for (its own and those of its finer codes)."""
        return {code if is_top else self.concepts[code].top for code, _, is_top in self.terms[key]}

    def add(self, phrase: str, code: str, weight: float, is_top: bool) -> None:
        key = tuple(tokens(phrase))
        if not key:
            return
        self.surface.setdefault(key, phrase)
        entries = self.terms.setdefault(key, [])
        for i, (c, w, t) in enumerate(entries):
            if c == code:  # keep the strongest reading of a duplicated term
                entries[i] = (c, max(w, weight), t or is_top)
                return
        entries.append((code, weight, is_top))
        self.max_len = max(self.max_len, len(key))
        self.prefixes.update(key[:i] for i in range(1, len(key)))


def _label_terms(label: str) -> list[str]:
    """A label and its parts: 'robbery and theft' -> ['robbery and theft', 'robbery', 'theft']."""
    label = re.sub(r"\s*\([^)]*\)", "", label).strip().lower()
    out = [label]
    parts = [p.strip() for p in re.split(r",\s*|\s+and\s+|\s+or\s+", label) if p.strip()]
    if len(parts) > 1:
        out += parts
    return [t for t in out if t not in LABEL_STOPLIST and len(t) > 2]


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """Build the lexicon from the bundled taxonomy and vocabulary (once per process)."""
    taxonomy = media_topics()
    vocab = json.loads((DATA_DIR / VOCABULARY_FILE).read_text(encoding="utf-8"))
    concepts = {
        c["code"]: Concept(c["code"], c["label_en_gb"], int(c["level"]), c["top_level"], tuple(c["ancestors"]))
        for c in taxonomy["concepts"]
        if not c["retired"]
    }
    lex = Lexicon(concepts)
    top_terms: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for code, grades in vocab["top"].items():
        for grade, weight in TOP_WEIGHTS.items():
            for phrase in grades.get(grade, []):
                lex.add(phrase, code, weight, True)
                top_terms[code].add(tuple(tokens(phrase)))
    for code, entry in vocab["codes"].items():
        for phrase in entry["terms"]:
            lex.add(phrase, code, FINE_WEIGHT, False)
    for concept in concepts.values():
        if concept.level < 2:
            continue
        for phrase in _label_terms(concept.label):
            if tuple(tokens(phrase)) not in top_terms[concept.top] or len(phrase.split()) > 1:
                lex.add(phrase, concept.code, LABEL_WEIGHT, False)
    lex.place_in_branches(CORE_BRANCH)
    lex.place_white_collar(WHITE_COLLAR)
    return lex


@dataclass(frozen=True)
class Calibration:
    """Maps a top level's evidence and that of its strongest rival (the best other top level of the
    article) to the probability that it is the article's main topic (a logistic fit; see
    ``data/iptc/calibration.json``). The rival matters: a share of 1.0 from one weak word and a
    share of 0.6 against a strong second reading are both uncertain calls."""

    w_own: float
    w_rival: float
    bias: float

    def probability(self, own: float, rival: float) -> float:
        z = self.w_own * math.log1p(own) + self.w_rival * math.log1p(rival) + self.bias
        return 1.0 / (1.0 + math.exp(-z))


@lru_cache(maxsize=1)
def load_calibration() -> Calibration:
    """The bundled calibration (once per process)."""
    data = json.loads((DATA_DIR / CALIBRATION_FILE).read_text(encoding="utf-8"))
    return Calibration(float(data["w_own"]), float(data["w_rival"]), float(data["bias"]))


def corroboration(core: float) -> float:
    """The factor on a top level's evidence outside its core branch, given the evidence inside it."""
    return UNCORROBORATED + (1.0 - UNCORROBORATED) * min(1.0, core / CORROBORATION)


def _cut(text: str, spans: Iterable[tuple[int, int]]) -> str:
    parts, pos = [], 0
    for start, end in sorted(spans):
        if start > pos:
            parts.append(text[pos:start])
        pos = max(pos, end)
        parts.append("\n")
    parts.append(text[pos:])
    return "".join(parts)


class TopicTagger:
    """Scores an article against the lexicon; pure and thread-safe after construction."""

    def __init__(
        self,
        lexicon: Lexicon | None = None,
        *,
        max_top_levels: int = 3,
        min_share: float = 0.2,
        relative_share: float = 0.45,
        min_evidence: float = 0.6,
        fine_min_evidence: float = 2.0,
        max_fine: int = 10,
        max_keywords: int = 12,
    ) -> None:
        self.lex = lexicon or load_lexicon()
        self.calibration = load_calibration()
        self.max_top_levels = max_top_levels
        self.min_share = min_share
        self.relative_share = relative_share
        self.min_evidence = min_evidence
        self.fine_min_evidence = fine_min_evidence
        self.max_fine = max_fine
        self.max_keywords = max_keywords

    # -- evidence -------------------------------------------------------------------------------
    def _term_counts(self, words: list[str]) -> Counter[tuple[str, ...]]:
        counts: Counter[tuple[str, ...]] = Counter()
        terms, prefixes = self.lex.terms, self.lex.prefixes
        n = len(words)
        for i in range(n):
            key: tuple[str, ...] = (words[i],)
            j = i + 1
            while True:
                if key in terms:
                    counts[key] += 1
                if j >= n or key not in prefixes:  # no longer term starts with these words
                    break
                key = key + (words[j],)
                j += 1
        return counts

    def evidence(self, text: str, title: str | None = None) -> tuple[dict[str, float], dict[str, float], Counter]:
        """(top-level evidence, finer-code evidence, term -> weighted count) for one article.

        A headline term counts :data:`TITLE_FACTOR` times when the body has evidence for one of its
        top levels (:data:`TITLE_AGREEMENT`), once when it does not: headlines pun and borrow
        ("bidding war", "hat-trick", "drama erupts"), and a short item's one paragraph is what says
        which reading is meant."""
        counts = self._term_counts(tokens(text))
        if title:
            body = self._weigh(counts)[0]
            tops_of = self.lex.tops_of
            for key, n in self._term_counts(tokens(title)).items():
                agree = any(body.get(code, 0.0) >= TITLE_AGREEMENT for code in tops_of(key))
                counts[key] += (TITLE_FACTOR if agree else 1.0) * n
        top, fine = self._weigh(counts)
        return top, fine, counts

    def _weigh(self, counts: Counter) -> tuple[dict[str, float], dict[str, float]]:
        """(top-level evidence, finer-code evidence) of weighted term counts."""
        top: dict[str, float] = defaultdict(float)
        outer: dict[str, float] = defaultdict(float)  # evidence outside a top level's core branch
        fine: dict[str, float] = defaultdict(float)
        white = 0.0  # crime evidence from white-collar offences
        for key, n in counts.items():
            damp = 1.0 + math.log(n) if n >= 1 else n
            entries = self.lex.terms[key]
            direct_tops = {code for code, _, is_top in entries if is_top}
            outside = self.lex.outer.get(key, frozenset())
            white_collar = key in self.lex.white_collar
            for code, weight, is_top in entries:
                if is_top:
                    (outer if code in outside else top)[code] += weight * damp
                    if white_collar and code == CRIME:
                        white += weight * damp
                else:
                    fine[code] += weight * damp
                    parent_top = self.lex.concepts[code].top if code in self.lex.concepts else None
                    if parent_top and parent_top not in direct_tops:
                        (outer if parent_top in outside else top)[parent_top] += SPILL * weight * damp
        if white and max(top.get(c, 0.0) for c in WHITE_COLLAR_SETTINGS) >= CORROBORATION:
            top[CRIME] -= (1.0 - WHITE_COLLAR_FACTOR) * white
        for code, ev in outer.items():
            top[code] += ev * corroboration(top.get(code, 0.0))
        return dict(top), dict(fine)

    # -- decisions ------------------------------------------------------------------------------
    def tag(self, text: str, title: str | None = None) -> tuple[list[dict[str, Any]], list[str]]:
        """(topics, keywords) for one article; topics are best first, each with its ancestors."""
        top, fine, counts = self.evidence(text, title)
        total = sum(top.values())
        if total < self.min_evidence:
            return [], self._keywords(text, title, counts)
        ranked = sorted(top.items(), key=lambda kv: -kv[1])
        best = ranked[0][1]
        chosen: dict[str, float] = {}
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        for code, ev in ranked[: self.max_top_levels]:
            share = ev / total
            if code != ranked[0][0] and (share < self.min_share or ev < self.relative_share * best):
                break
            rival = runner_up if code == ranked[0][0] else best
            chosen[code] = round(self.calibration.probability(ev, rival), 3)
        out: dict[str, dict[str, Any]] = {}
        for code, score in chosen.items():
            c = self.lex.concepts[code]
            out[code] = self._topic(c, score)
        fine_ranked = sorted(
            ((code, ev) for code, ev in fine.items()
             if ev >= self.fine_min_evidence and code in self.lex.concepts and self.lex.concepts[code].top in chosen),
            key=lambda kv: -kv[1],
        )[: self.max_fine]
        for code, ev in fine_ranked:
            c = self.lex.concepts[code]
            score = round(chosen[c.top] * ev / (ev + 3.0), 3)
            self._put(out, c, score)
            for anc in c.ancestors[1:]:
                if anc in self.lex.concepts:
                    self._put(out, self.lex.concepts[anc], score)
        topics = sorted(out.values(), key=lambda t: (-chosen[self._top_of(t)], t["level"], -t["score"]))
        return topics, self._keywords(text, title, counts)

    def _top_of(self, topic: dict[str, Any]) -> str:
        return self.lex.concepts[topic["code"].split(":")[1]].top

    @staticmethod
    def _topic(c: Concept, score: float) -> dict[str, Any]:
        return {"code": f"medtop:{c.code}", "label": c.label, "score": score, "level": c.level}

    def _put(self, out: dict[str, dict[str, Any]], c: Concept, score: float) -> None:
        if c.code in out:
            out[c.code]["score"] = max(out[c.code]["score"], score)
        else:
            out[c.code] = self._topic(c, score)

    def _keywords(self, text: str, title: str | None, counts: Counter) -> list[str]:
        """Names that recur (or head the article) first, then the topical terms found most often."""
        names: Counter[str] = Counter()
        lower_words = set(_TOKEN.findall(text))  # words that also occur in lower case are not names
        for m in _NAME.finditer(text):
            name = re.sub(r"['’]s$", "", m.group(0))
            if name.endswith(".") and name.count(".") == 1:
                name = name[:-1]
            if name.split()[0] in _NAME_STOP and " " in name:
                name = name.split(" ", 1)[1]
            if name in _NAME_STOP or len(name) < 3 or (name.isupper() and len(name) > 6):
                continue
            if " " not in name and name.lower() in lower_words:
                continue
            names[name] += 1
        title_l = (title or "").lower()
        picked = [n for n, k in names.most_common() if k >= 2 or (title_l and n.lower() in title_l)]
        picked = picked[: self.max_keywords // 2]
        weighted = []
        for key, n in counts.items():
            weight = max(w for _, w, _ in self.lex.terms[key])
            if weight >= 1.0 and len(self.lex.surface[key]) > 2:
                weighted.append((n * weight * len(key), self.lex.surface[key]))  # phrases say more than words
        terms = [surface for _, surface in sorted(weighted, key=lambda x: -x[0])]
        seen = {p.lower() for p in picked}
        for t in terms:
            if len(picked) >= self.max_keywords:
                break
            if t not in seen and not any(t in s for s in seen):
                picked.append(t)
                seen.add(t)
        return picked


class TopicComponent:
    """Enrichment component: IPTC Media Topics (with ancestors) and plain keywords."""

    name = "topics"
    requires: tuple[str, ...] = ("text",)
    provides: tuple[str, ...] = ("topics", "keywords")
    english_only = True

    #: span kinds cut out before tagging (structure kinds are kept)
    KEEP_KINDS = frozenset({"paragraph", "sentence", "title", "quote", HEADLINE_DERIVED})

    def __init__(self, **options: Any) -> None:
        self.tagger = TopicTagger(**options)

    def __call__(self, ctx: Context) -> None:
        noise = [(s["start"], s["end"]) for s in ctx.spans if s.get("kind") not in self.KEEP_KINDS]
        text = _cut(ctx.text, noise) if noise else ctx.text
        ctx.topics, ctx.keywords = self.tagger.tag(text, ctx.title)
