"""Named entities of an article: one record per real-world thing, with mentions, roles and links.

The component is :class:`~streams.enrich.components.entities.component.EntityComponent`; its module
docstring describes the ``ctx.entities`` record and the method. The modules, roughly in the order the
component runs them:

- :mod:`.boundaries` the model's spans split and trimmed into mentions;
- :mod:`.layout` what the wire's layout says: skipped spans, markup, provenance, ALL-CAPS lines, datelines;
- :mod:`.joins` names the model cut in pieces (or ran together);
- :mod:`.labels` the type a mention gets from the gazetteers, its form and the words around it;
- :mod:`.untagged` names the model missed, found by gazetteers and patterns;
- :mod:`.acronyms` organisations named by acronyms, and the names acronyms abbreviate;
- :mod:`.sports` clubs, results tables, fixtures, scorers and scorecards of sports reports;
- :mod:`.clustering` mentions of one thing as one entity;
- :mod:`.propagation` further occurrences of the story's names;
- :mod:`.context_types` an entity's type from what the story does with it;
- :mod:`.roles` title phrases and appositions of people;
- :mod:`.nesting` places and people named inside institutions, facilities and places;
- :mod:`.records` and :mod:`.linking` the output records, their salience and links.

They share :mod:`.mentions` (mention, entity, name matching), :mod:`.lexicon` (word lists),
:mod:`.gazetteers` (countries, cities, ``data/`` tables) and :mod:`.personal_names`.
"""

from streams.enrich.components.entities.boundaries import clean_mention, is_hard_wrapped, split_span
from streams.enrich.components.entities.component import EntityComponent
from streams.enrich.components.entities.gazetteers import countries, country_wikidata
from streams.enrich.components.entities.mentions import Entity, Mention, find_word

__all__ = ["EntityComponent", "Entity", "Mention", "clean_mention", "countries", "country_wikidata", "find_word",
           "is_hard_wrapped", "split_span"]
