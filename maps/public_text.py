"""Every text a resident reads on the public map, in bokmål (``nb``, the default), nynorsk
(``nn``) and English (``en``): one table of strings per language, :data:`TEXT`.

The page carries all three tables and switches between them in the browser (the language
menu, ``?lang=nn`` or ``#lang=nn`` in the address); the map file is the same whatever the
language. ``{name}`` in a text is filled in by the page (a number, an area id, a date).

Numbers are written the Norwegian way in every language (groups of three digits with a space,
``1 234``): the SI/ISO style, which English readers read without ambiguity too. Dates follow
each language (``1. oktober 2026``; ``1 October 2026``).

The bokmål words for speed classes, mobile classes and technologies are the ones the rest of
dekning uses (:data:`dekning.schema.SPEED_CLASS_LABELS`, :data:`dekning.maps.layers.MOBILE_WORDS`,
:data:`dekning.schema.TECHNOLOGY_WORDS`); the other languages translate them here.
"""

from __future__ import annotations

from dekning.maps.layers import MOBILE_WORDS
from dekning.schema import SPEED_CLASS_LABELS, TECHNOLOGY_WORDS

LANGUAGES = ("nb", "nn", "en")
"""The public map's languages, the default first."""
DEFAULT_LANGUAGE = "nb"
LANGUAGE_NAMES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}
"""Each language named in itself (the language menu)."""

_NB = {
    "tittel": "bredbånd og mobildekning",
    "sprak": "Språk / Language",
    "sok_region": "Adressesøk",
    "sok_etikett": "Finn din adresse",
    "sok_eksempel": "F.eks. Storgata 5",
    "sok_hjelp": "Skriv minst tre tegn. Velg med pil ned eller Tab og Enter.",
    "treff_liste": "Adresser som passer",
    "ingen_treff": "Fant ingen adresse",
    "ett_treff": "Én adresse passer",
    "flere_treff": "{n} adresser passer",
    "velg": "Velg med pil ned og Enter.",
    "soker": "Søker …",
    "sok_feil": "Søket svarer ikke nå. Prøv igjen om litt.",
    "lenke_ukjent": "Fant ikke adressen i lenken",
    "om": "Om kartet",
    "forklaring": (
        "Kartet viser hvor raskt fast bredbånd som tilbys i hver rute på 250 × 250 meter, "
        "ut fra operatørenes innrapporterte dekning. Fargen viser hva de fleste adressene i "
        "ruten kan få. Der det er få adresser, vises ruter på 1 × 1 km, og ruter med svært få "
        "adresser er skjult av personvernhensyn. Skraverte grønne områder med stiplet kant er "
        "planlagt bygget ut med offentlig støtte. Søk opp adressen din for å se hva den kan "
        "få, og om den er med i en planlagt utbygging."
    ),
    "data_per": "Dekningsdata per {dato}.",
    "laget": "Kartet ble laget {dato} fra de nyeste dekningsdataene.",
    "dato": "{d}. {m} {y}",
    "maneder": "januar februar mars april mai juni juli august september oktober november desember",
    "tegnforklaring": "Raskeste faste bredbånd",
    "planlagt_forklaring": "planlagt utbygging",
    "lag_grunnkart": "Kommunegrense, veger og steder",
    "lag_celler": "Fast bredbånd per rute",
    "lag_planlagt": "Planlagt utbygging",
    "celle_tips": "De fleste kan få",
    "omrade_tips": "Planlagt utbygging ({id})",
    "omrade_tips_hus": "Planlagt utbygging ({id}), {n} husstander",
    "fast": "Fast bredbånd: ",
    "tilbydere": "Tilbydere: ",
    "beste_tilbud": "beste tilbud: ",
    "mobil": "Mobil: ",
    "planlagt": "Planlagt utbygging: ",
    "planlagt_tekst": (
        "Adressen ligger i område {id}, som er valgt for utbygging av bredbånd med "
        "offentlig støtte."
    ),
    "lenke": "Lenke til denne adressen",
    "utfordring_apen": "Det er en åpen utfordring av dataene for denne adressen.",
    "utfordre_tittel": "Slik utfordrer du dekningsdataene",
    "lukk": "Lukk",
    "zoom_inn": "Zoom inn",
    "zoom_ut": "Zoom ut",
    "kartlag": "Kartlag",
    "kart": "Kart",
    **{f"klasse.{code}": label for code, label in SPEED_CLASS_LABELS.items()},
    **{f"mobil.{code}": words for code, words in MOBILE_WORDS.items()},
    **{f"tek.{code}": words for code, words in TECHNOLOGY_WORDS.items()},
}

_NN = {
    "tittel": "breiband og mobildekning",
    "sprak": "Språk / Language",
    "sok_region": "Adressesøk",
    "sok_etikett": "Søk etter adressa di",
    "sok_eksempel": "T.d. Storgata 5",
    "sok_hjelp": "Skriv minst tre teikn. Vel med pil ned eller Tab og Enter.",
    "treff_liste": "Adresser som passar",
    "ingen_treff": "Fann inga adresse",
    "ett_treff": "Éi adresse passar",
    "flere_treff": "{n} adresser passar",
    "velg": "Vel med pil ned og Enter.",
    "soker": "Søkjer …",
    "sok_feil": "Søket svarar ikkje no. Prøv igjen om litt.",
    "lenke_ukjent": "Fann ikkje adressa i lenkja",
    "om": "Om kartet",
    "forklaring": (
        "Kartet viser kor raskt fast breiband som blir tilbode i kvar rute på 250 × 250 meter, "
        "ut frå det operatørane har rapportert om dekning. Fargen viser kva dei fleste "
        "adressene i ruta kan få. Der det er få adresser, blir ruter på 1 × 1 km viste, og "
        "ruter med svært få adresser er skjulte av omsyn til personvernet. Skraverte grøne "
        "område med stipla kant skal byggjast ut med offentleg støtte. Søk opp adressa di for "
        "å sjå kva ho kan få, og om ho er med i ei planlagd utbygging."
    ),
    "data_per": "Dekningsdata per {dato}.",
    "laget": "Kartet vart laga {dato} frå dei nyaste dekningsdataa.",
    "dato": "{d}. {m} {y}",
    "maneder": "januar februar mars april mai juni juli august september oktober november desember",
    "tegnforklaring": "Raskaste faste breiband",
    "planlagt_forklaring": "planlagd utbygging",
    "lag_grunnkart": "Kommunegrense, vegar og stader",
    "lag_celler": "Fast breiband per rute",
    "lag_planlagt": "Planlagd utbygging",
    "celle_tips": "Dei fleste kan få",
    "omrade_tips": "Planlagd utbygging ({id})",
    "omrade_tips_hus": "Planlagd utbygging ({id}), {n} hushald",
    "fast": "Fast breiband: ",
    "tilbydere": "Tilbydarar: ",
    "beste_tilbud": "beste tilbod: ",
    "mobil": "Mobil: ",
    "planlagt": "Planlagd utbygging: ",
    "planlagt_tekst": (
        "Adressa ligg i område {id}, som er valt ut til utbygging av breiband med offentleg støtte."
    ),
    "lenke": "Lenkje til denne adressa",
    "utfordring_apen": "Det er ei open utfordring av dataa for denne adressa.",
    "utfordre_tittel": "Slik utfordrar du dekningsdataa",
    "lukk": "Lukk",
    "zoom_inn": "Zoom inn",
    "zoom_ut": "Zoom ut",
    "kartlag": "Kartlag",
    "kart": "Kart",
    "klasse.ge1000": "≥ 1000 Mbit/s",
    "klasse.ge100": "100–1000 Mbit/s",
    "klasse.30to100": "30–100 Mbit/s",
    "klasse.lt30": "under 30 Mbit/s",
    "klasse.none": "ikkje noko fast tilbod",
    "mobil.0": "inga",
    "mobil.1": "med utandørsantenne",
    "mobil.2": "utandørs",
    "mobil.3": "innandørs",
    "tek.fiber": "fiber",
    "tek.kabel": "kabel-TV-nett",
    "tek.dsl": "DSL (kopar)",
    "tek.ftb": "fast trådlaust breiband",
    "tek.radio": "radio",
    "tek.satellitt": "satellitt",
    "tek.annet": "anna",
}

_EN = {
    "tittel": "broadband and mobile coverage",
    "sprak": "Language / Språk",
    "sok_region": "Address search",
    "sok_etikett": "Find your address",
    "sok_eksempel": "E.g. Storgata 5",
    "sok_hjelp": "Type at least three characters. Choose with arrow down or Tab and Enter.",
    "treff_liste": "Matching addresses",
    "ingen_treff": "No address found",
    "ett_treff": "One address matches",
    "flere_treff": "{n} addresses match",
    "velg": "Choose with arrow down and Enter.",
    "soker": "Searching …",
    "sok_feil": "The search is not answering right now. Try again shortly.",
    "lenke_ukjent": "The address in the link was not found",
    "om": "About the map",
    "forklaring": (
        "The map shows how fast a fixed broadband connection is offered in each square of "
        "250 × 250 metres, according to the coverage the operators report. The colour shows "
        "what most addresses in the square can get. Where there are few addresses, squares of "
        "1 × 1 km are shown, and squares with very few addresses are hidden to protect privacy. "
        "Hatched green areas with a dashed edge are planned to be built out with public "
        "funding. Look up your address to see what it can get, and whether it is part of a "
        "planned build-out."
    ),
    "data_per": "Coverage data as of {dato}.",
    "laget": "The map was made on {dato} from the latest coverage data.",
    "dato": "{d} {m} {y}",
    "maneder": (
        "January February March April May June July August September October November December"
    ),
    "tegnforklaring": "Fastest fixed broadband",
    "planlagt_forklaring": "planned build-out",
    "lag_grunnkart": "Municipal boundary, roads and places",
    "lag_celler": "Fixed broadband per square",
    "lag_planlagt": "Planned build-out",
    "celle_tips": "Most can get",
    "omrade_tips": "Planned build-out ({id})",
    "omrade_tips_hus": "Planned build-out ({id}), {n} households",
    "fast": "Fixed broadband: ",
    "tilbydere": "Providers: ",
    "beste_tilbud": "best offer: ",
    "mobil": "Mobile: ",
    "planlagt": "Planned build-out: ",
    "planlagt_tekst": (
        "The address is in area {id}, which has been chosen for a broadband build-out with "
        "public funding."
    ),
    "lenke": "Link to this address",
    "utfordring_apen": "There is an open challenge of the data for this address.",
    "utfordre_tittel": "How to challenge the coverage data",
    "lukk": "Close",
    "zoom_inn": "Zoom in",
    "zoom_ut": "Zoom out",
    "kartlag": "Map layers",
    "kart": "Map",
    "klasse.ge1000": "≥ 1000 Mbit/s",
    "klasse.ge100": "100–1000 Mbit/s",
    "klasse.30to100": "30–100 Mbit/s",
    "klasse.lt30": "under 30 Mbit/s",
    "klasse.none": "no fixed offer",
    "mobil.0": "none",
    "mobil.1": "with an outdoor antenna",
    "mobil.2": "outdoors",
    "mobil.3": "indoors",
    "tek.fiber": "fibre",
    "tek.kabel": "cable TV network",
    "tek.dsl": "DSL (copper)",
    "tek.ftb": "fixed wireless broadband",
    "tek.radio": "radio",
    "tek.satellitt": "satellite",
    "tek.annet": "other",
}

_CHALLENGE: dict[str, dict[str, str]] = {
    "nb": {
        "tekst": (
            "Mener du at kartet viser feil for adressen din? Svar på kommunens "
            "spørreundersøkelse når den er åpen, eller send resultater fra hastighetstester "
            "til kommunen: minst {tester} på minst {dager}, {kabel}. Medianen av testene "
            "teller. Kommunen vurderer saken og ber operatøren svare før den avgjøres."
        ),
        "test": "én test|{n} tester",
        "dag": "én dag|{n} forskjellige dager",
        "bare_kabel": "og bare tester med kabel til ruteren teller, ikke trådløse",
        "helst_kabel": "helst med kabel til ruteren, ikke trådløst",
        "begge": "med kabel til ruteren eller trådløst",
        "tall": "én to tre fire fem seks sju åtte ni ti",
    },
    "nn": {
        "tekst": (
            "Meiner du at kartet viser feil for adressa di? Svar på spørjeundersøkinga til "
            "kommunen når ho er open, eller send resultat frå fartstestar til kommunen: minst "
            "{tester} på minst {dager}, {kabel}. Medianen av testane tel. Kommunen vurderer "
            "saka og ber operatøren svare før ho blir avgjord."
        ),
        "test": "éin test|{n} testar",
        "dag": "éin dag|{n} ulike dagar",
        "bare_kabel": "og berre testar med kabel til ruteren tel, ikkje trådlause",
        "helst_kabel": "helst med kabel til ruteren, ikkje trådlaust",
        "begge": "med kabel til ruteren eller trådlaust",
        "tall": "éin to tre fire fem seks sju åtte ni ti",
    },
    "en": {
        "tekst": (
            "Do you think the map is wrong for your address? Answer the municipality's survey "
            "while it is open, or send the results of speed tests to the municipality: at "
            "least {tester} on at least {dager}, {kabel}. The median of the tests counts. The "
            "municipality assesses the case and asks the operator to answer before it is "
            "decided."
        ),
        "test": "one test|{n} tests",
        "dag": "one day|{n} different days",
        "bare_kabel": "and only tests with a cable to the router count, not wireless ones",
        "helst_kabel": "preferably with a cable to the router, not wireless",
        "begge": "with a cable to the router or over Wi-Fi",
        "tall": "one two three four five six seven eight nine ten",
    },
}
"""The parts of "how to challenge the coverage data" in each language: the text, the count of
tests and of days (``singular|plural``), the three rules on wired tests and the numbers one to
ten as words."""


def _count(lang: str, key: str, n: int) -> str:
    """``n`` tests or days as ``lang`` writes them: ten and under in words (``tre tester``),
    more in digits (``12 tester``)."""
    parts = _CHALLENGE[lang]
    one, many = parts[key].split("|")
    if n == 1:
        return one
    words = parts["tall"].split()
    return many.format(n=words[n - 1] if n <= len(words) else n)


def challenge_text(
    lang: str = "nb",
    *,
    min_tests: int = 3,
    min_days: int = 2,
    wired_only: bool = False,
    prefer_wired: bool = True,
) -> str:
    """How a resident challenges the coverage data (``utfordre_tekst``) in ``lang``, with the
    evidence rules of the configuration (``[evidence]``: ``min_tests``, ``min_days``,
    ``wired_only``, ``prefer_wired``; the defaults are the configuration's defaults). It points
    the resident to the municipality (the map has no form for speed tests)."""
    parts = _CHALLENGE[lang]
    wired = "bare_kabel" if wired_only else "helst_kabel" if prefer_wired else "begge"
    return parts["tekst"].format(
        tester=_count(lang, "test", min_tests),
        dager=_count(lang, "dag", min_days),
        kabel=parts[wired],
    )


def texts_with_evidence(
    *,
    min_tests: int = 3,
    min_days: int = 2,
    wired_only: bool = False,
    prefer_wired: bool = True,
) -> dict[str, dict[str, str]]:
    """:data:`TEXT` with ``utfordre_tekst`` written for these evidence rules in every
    language (:func:`challenge_text`)."""
    return {
        lang: {
            **table,
            "utfordre_tekst": challenge_text(
                lang,
                min_tests=min_tests,
                min_days=min_days,
                wired_only=wired_only,
                prefer_wired=prefer_wired,
            ),
        }
        for lang, table in TEXT.items()
    }


for _lang, _table in {"nb": _NB, "nn": _NN, "en": _EN}.items():
    _table["utfordre_tekst"] = challenge_text(_lang)

TEXT: dict[str, dict[str, str]] = {"nb": _NB, "nn": _NN, "en": _EN}
"""Language → key → text. Every language has every key (tested). ``utfordre_tekst`` holds the
default evidence rules; a run's map uses :func:`texts_with_evidence`."""


def text(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text of ``key`` in ``lang`` with its ``{name}`` parts filled in."""
    return TEXT[lang][key].format(**values)


def date_text(day: int, month: int, year: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """A date as ``lang`` writes it (``1. oktober 2026``, ``1 October 2026``)."""
    return text("dato", lang, d=day, m=TEXT[lang]["maneder"].split()[month - 1], y=year)
