"""The quotes component: every quotation in an article, with its speaker resolved.

Direct quotes come from quote marks (:mod:`streams.enrich.components.quotes.marks`); each is attributed by
looking at the words right after it (``,” Kallas said``, ``,” said Matt Bennett``) and right before
it (``Kallas said: “``, ``She stressed that ... “fragment”``) for a reporting verb next to a speaker
candidate (:mod:`streams.enrich.components.quotes.mentions`). The cue lexicon, sentence boundaries,
entity mentions and a few patterns read most sentences; only the few they cannot read (a fragment in
a sentence opened by a fronted phrase, a reporting verb whose report no rule found) get a dependency
parse (:mod:`streams.enrich.components.quotes.syntax`, off with ``syntax=False``).
Indirect speech (``X said that ...``, ``..., X said.``, ``according to X``, ``In her view, ...``) is
found the same way in sentences without quote marks.

Conventions consumers should know:

- transcript turns (``PENCE: ...``, up to the next label or a ``(CROSSTALK)`` note) are ``indirect``
  speech of the labelled speaker, as the gold sets annotate them;
- when the text opens with the article's headline (``ctx.title``), quote marks in that line are
  titles or scare quotes, not quotations; a ``Name: ...`` headline is that person's indirect speech;
- a quote the writer reports in the first person has the speaker mention ``I`` and ``speaker`` None;
- a lone quoted pronoun or a title-cased slogan used as a modifier is not a quote;
- only stretches between an opening and a closing mark are reported: the paragraphs a
  multi-paragraph quotation leaves open and the text after a mark never closed are left out
  (``open_quotes=True`` keeps them; see :mod:`.extent`).

Output per quote (offsets are ``str`` indices into ``ctx.text``)::

    {"kind": "direct"|"mixed"|"indirect", "start", "end", "segments": [[s, e], ...], "text",
     "speaker": name or None, "speaker_mention": {"start","end","text"} or None,
     "cue": {"start","end","text"} or None, "speaker_entity": index into ctx.entities or None}

The modules, each one step or one kind of evidence (:mod:`.component` composes them):
``lexicon`` (reporting verbs and speaker nouns), ``marks`` (quote marks), ``mentions`` (speaker
candidates and their entities), ``sentences`` (words and sentence boundaries), ``state`` (what the
steps share per article), ``cues`` (reporting verbs in the text), ``subjects`` (the speaker a
verb points to), ``attribution`` (speakers carried over and resolved), ``clauses`` (the content a
verb reports), ``direct`` (direct and mixed quotes), ``outer`` (the writer's source of a nested report), ``transcripts`` (transcript turns),
``scare`` (scare quotes and titles), ``extent`` (which quoted stretches are reported),
``indirect`` (indirect speech), ``questions`` (questions "ask" reports), ``headlines`` (the
headline), ``syntax`` (dependency parses of the sentences that need one).
"""

from streams.enrich.components.quotes.component import QuoteComponent, extract_quotes

__all__ = ["QuoteComponent", "extract_quotes"]
