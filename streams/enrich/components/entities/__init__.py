"""Named entities of an article; the component is :class:`EntityComponent` (see :mod:`.component`)."""

from streams.enrich.components.entities.component import (
    EntityComponent,
    Mention,
    _dateline_spans,
    _Entity,
    clean_mention,
    countries,
    country_wikidata,
    find_word,
    is_hard_wrapped,
    split_span,
)

__all__ = ["EntityComponent", "Mention", "_Entity", "_dateline_spans", "clean_mention", "countries",
           "country_wikidata", "find_word", "is_hard_wrapped", "split_span"]
