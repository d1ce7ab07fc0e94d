"""Named entities of an article; the component is :class:`EntityComponent` (see :mod:`.component`)."""

from streams.enrich.components.entities.boundaries import clean_mention, is_hard_wrapped, split_span
from streams.enrich.components.entities.component import EntityComponent
from streams.enrich.components.entities.gazetteers import countries, country_wikidata
from streams.enrich.components.entities.mentions import Entity, Mention, find_word

__all__ = ["EntityComponent", "Entity", "Mention", "clean_mention", "countries", "country_wikidata", "find_word",
           "is_hard_wrapped", "split_span"]
