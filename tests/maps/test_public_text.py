"""The public map's texts: one table per language, every key in every language, and the
nynorsk and English tables really translated (not bokmål copied)."""

from __future__ import annotations

import re

import pytest

from dekning.maps.public_page import (
    ANSWER_JS,
    KEYS_IN_MARKUP,
    KEYS_JS,
    LANGUAGE_JS,
    PAGE_JS,
    title_parts,
)
from dekning.maps.public_text import DEFAULT_LANGUAGE, LANGUAGES, TEXT, date_text
from dekning.schema import MOBILE_CLASSES, SPEED_CLASSES, TECHNOLOGY_WORDS


def test_the_languages_are_bokmal_nynorsk_and_english():
    assert LANGUAGES == ("nb", "nn", "en") and DEFAULT_LANGUAGE == "nb"
    assert set(TEXT) == set(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_exists_in_every_language(lang):
    assert set(TEXT[lang]) == set(TEXT[DEFAULT_LANGUAGE])
    assert all(isinstance(v, str) and v for v in TEXT[lang].values())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_code_the_page_shows_has_words(lang):
    keys = set(TEXT[lang])
    assert {f"klasse.{c}" for c in SPEED_CLASSES} <= keys
    assert {f"mobil.{c}" for c in MOBILE_CLASSES} <= keys
    assert {f"tek.{c}" for c in TECHNOLOGY_WORDS} <= keys
    assert set(KEYS_IN_MARKUP) <= keys
    used = set(re.findall(r"\bt\('([a-z_]+)'", LANGUAGE_JS + ANSWER_JS + KEYS_JS + PAGE_JS))
    assert {"fast", "lukk", "ingen_treff", "omrade_tips_hus", "tittel"} <= used
    assert used <= keys, used - keys


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_are_the_same_in_every_language(lang):
    for key, nb in TEXT[DEFAULT_LANGUAGE].items():
        assert set(re.findall(r"\{(\w+)\}", TEXT[lang][key])) == set(
            re.findall(r"\{(\w+)\}", nb)
        ), key


def test_nynorsk_is_nynorsk():
    nn = TEXT["nn"]
    assert nn["sok_etikett"] == "Søk etter adressa di"
    assert nn["klasse.none"] == "ikkje noko fast tilbod"
    assert "breiband" in nn["tegnforklaring"] and "hushald" in nn["omrade_tips_hus"]
    text = " ".join(nn.values())
    for bokmal in (" ikke ", "bredbånd", "hvor ", "husstander", " ble ", "tilbud", "adressen "):
        assert bokmal not in text, bokmal
    # nynorsk and English differ from bokmål wherever words are more than figures
    same = [k for k, v in nn.items() if v == TEXT["nb"][k] and re.search(r"[a-zæøå]{4}", v)]
    assert set(same) <= {
        "sprak", "sok_region", "om", "data_per", "maneder", "mobil", "lukk", "zoom_inn",
        "zoom_ut", "kartlag", "kart", "tek.fiber", "tek.kabel", "tek.radio", "tek.satellitt",
        "klasse.lt30", "dato",
    }, same  # fmt: skip


def test_english_is_english():
    en = TEXT["en"]
    same = [k for k, v in en.items() if v == TEXT["nb"][k] and re.search(r"[a-zæøå]{4}", v)]
    assert set(same) <= {"tek.radio", "klasse.lt30", "dato"}, same
    assert date_text(1, 10, 2026, "en") == "1 October 2026"
    assert date_text(1, 10, 2026, "nn") == "1. oktober 2026"


def test_the_title_follows_the_language_when_it_ends_with_the_usual_words():
    assert title_parts("Fjelldal – bredbånd og mobildekning") == {
        "foran": "Fjelldal – ",
        "stor": False,
    }
    assert title_parts("Bredbånd og mobildekning") == {"foran": "", "stor": True}
    assert title_parts("Mitt kart") is None
