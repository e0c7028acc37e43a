"""The public map's texts: one table per language, every key in every language, and the
nynorsk and English tables really translated (not bokmål copied)."""

from __future__ import annotations

import re

import pytest

from dekning.config import EvidenceConfig
from dekning.maps.public_page import (
    ANSWER_JS,
    KEYS_IN_MARKUP,
    KEYS_JS,
    LANGUAGE_JS,
    PAGE_JS,
    title_parts,
)
from dekning.maps.public_text import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    TEXT,
    challenge_text,
    date_text,
    texts_with_evidence,
)
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


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_default_challenge_text_follows_the_default_evidence_rules(lang):
    assert TEXT[lang]["utfordre_tekst"] == challenge_text(lang)
    rules = EvidenceConfig()
    assert challenge_text(
        lang,
        min_tests=rules.min_tests,
        min_days=rules.min_days,
        wired_only=rules.wired_only,
        prefer_wired=rules.prefer_wired,
    ) == challenge_text(lang)


def test_the_challenge_text_names_the_configured_evidence_rules():
    nb = challenge_text("nb", min_tests=5, min_days=3, wired_only=True)
    assert "minst fem tester på minst tre forskjellige dager" in nb
    assert "bare tester med kabel til ruteren teller" in nb
    assert "tre tester" not in nb and "to forskjellige" not in nb
    nn = challenge_text("nn", min_tests=5, min_days=3, wired_only=True)
    assert "minst fem testar på minst tre ulike dagar" in nn
    assert "berre testar med kabel til ruteren tel" in nn
    en = challenge_text("en", min_tests=5, min_days=3, wired_only=True)
    assert "at least five tests on at least three different days" in en
    assert "only tests with a cable to the router count" in en
    # more than ten in digits, one in words; Wi-Fi counting as much as a cable
    nb = challenge_text("nb", min_tests=12, min_days=1, prefer_wired=False)
    assert "minst 12 tester på minst én dag, med kabel til ruteren eller trådløst" in nb
    assert "helst" not in nb
    en = challenge_text("en", min_tests=1, min_days=11, prefer_wired=False)
    assert "at least one test on at least 11 different days, with a cable" in en
    # residents are sent to the municipality, never to a form on the map
    for lang in LANGUAGES:
        text = challenge_text(lang, min_tests=5, min_days=3)
        assert "kommunen" in text or "municipality" in text
        assert "via kartet" not in text and "via the map" not in text


def test_texts_with_evidence_change_only_the_challenge_text():
    texts = texts_with_evidence(min_tests=5, min_days=3)
    for lang in LANGUAGES:
        changed = {k for k, v in texts[lang].items() if v != TEXT[lang][k]}
        assert changed == {"utfordre_tekst"}
        assert texts[lang]["utfordre_tekst"] == challenge_text(lang, min_tests=5, min_days=3)
    assert texts_with_evidence() == TEXT
