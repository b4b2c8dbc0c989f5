"""The manual lookup's words: what the front office types finds a person whatever the accents,
the case, the apostrophes and hyphens, and however few of the first letters are typed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.search_words import (
    MAX_QUERY_WORDS,
    MAX_WORD,
    is_employee_id,
    matches,
    normalise,
    query_words,
    too_broad,
    words_for_person,
)


def finds(typed: str, name: str, employee_id: str = "E10090",
          email: str = "rkeller@example.org") -> bool:
    words = query_words(typed)
    return bool(words) and matches(words, words_for_person(name, employee_id, email))


@pytest.mark.parametrize(("typed", "name"), [
    ("nguyen", "Nguyễn Văn An"),
    ("Nguyen Van", "Nguyễn Văn An"),
    ("zoe", "Zoë Ellis"),
    ("ZOË", "Zoe Ellis"),
    ("siobhan", "Siobhán Carter"),
    ("jose", "José Ramírez"),
    ("ramirez jo", "José Ramírez"),
    ("oyvind", "Øyvind Lund"),
    ("lukasz", "Łukasz Król"),
    ("dang", "Đặng Thu"),
    ("strasse", "Anna Straße"),
    ("aesa", "Æsa Þórsdóttir"),
    ("thorsdottir", "Æsa Þórsdóttir"),
    ("istanbul", "Deniz İstanbul"),
    ("muller", "Jürgen Müller"),
])
def test_accents_and_case_do_not_matter(typed: str, name: str) -> None:
    assert finds(typed, name)


@pytest.mark.parametrize("typed", ["obrien", "o brien", "obr", "O'Brien", "o’brien", "brien",
                                   "OBRIEN", "Riley O'B"])
def test_an_apostrophe_name_is_found_with_or_without_it(typed: str) -> None:
    assert finds(typed, "Riley O'Brien")


@pytest.mark.parametrize("typed", ["smith", "jones", "smithjones", "smith-jones", "smithj",
                                   "Jones Ann"])
def test_a_hyphenated_name_is_found_by_either_half_or_both(typed: str) -> None:
    assert finds(typed, "Ann Smith-Jones")


@pytest.mark.parametrize("typed", ["E100", "e10090", "E10090", "10090", "100", "E-10090"])
def test_an_employee_number_is_found_whole_or_by_its_digits(typed: str) -> None:
    assert finds(typed, "Riley Keller", employee_id="E10090")


@pytest.mark.parametrize("typed", ["rkeller", "rke", "RKeller@Example.org", "rkeller@example",
                                   "rkeller@"])
def test_an_email_is_found_by_its_first_part_or_the_whole_address(typed: str) -> None:
    assert finds(typed, "Riley Keller", email="rkeller@example.org")


def test_a_dotted_email_is_found_by_its_words_and_joined() -> None:
    for typed in ("r.keller", "rkeller", "keller", "r.keller@exa"):
        assert finds(typed, "Someone Else", email="R.Keller@example.org"), typed


@pytest.mark.parametrize("typed", ["kellerr", "riley x", "example", "org", "rkeller@other",
                                   "10091", "E2"])
def test_what_is_not_there_does_not_match(typed: str) -> None:
    assert not finds(typed, "Riley Keller")


def test_every_typed_word_must_match() -> None:
    assert finds("riley kel", "Riley Keller")
    assert not finds("riley kol", "Riley Keller")


def test_the_words_of_a_person() -> None:
    assert words_for_person("Siobhán O'Brien", "E10090", "RKeller@Example.org") == {
        "siobhan", "o", "brien", "obrien", "e10090", "10090", "rkeller@example.org",
        "rkeller"}


def test_words_and_their_count_are_capped() -> None:
    long_name = " ".join(f"name{n}" for n in range(200)) + " " + "x" * 500
    words = words_for_person(long_name, "E1", "a@b.org")
    assert len(words) <= 40
    assert all(len(w) <= MAX_WORD for w in words)
    assert "name0" in words  # name words come first
    assert len(words_for_person("x" * 500, "E1", "")) == 3
    typed = query_words(" ".join(f"w{n}" for n in range(50)) + " " + "y" * 500)
    assert len(typed) == MAX_QUERY_WORDS and all(len(w) <= MAX_WORD for w in typed)
    assert query_words("y" * 500) == ["y" * MAX_WORD]


def test_query_words_drop_empty_parts_and_repeats() -> None:
    assert query_words("  ,  Keller -- keller  ' ") == ["keller"]
    assert query_words("") == [] and query_words("   \t ") == [] and query_words("@ .") == []
    assert query_words("Ann  RKeller@Example.ORG") == ["ann", "rkeller@example.org"]


def test_too_broad_is_nothing_one_letter_or_the_start_of_an_employee_number() -> None:
    assert too_broad([]) and too_broad(["a"]) and too_broad(["1"])
    assert too_broad(["e1"]) and too_broad(["12"])
    assert not too_broad(["ab"]) and not too_broad(["a", "b"])
    assert not too_broad(["e10"]) and not too_broad(["100"])


def test_the_employee_number_typed_exactly() -> None:
    assert is_employee_id("E10090", "E10090") and is_employee_id(" e10090 ", "E10090")
    assert is_employee_id("10090", "E10090") and is_employee_id("E-10090", "E10090")
    assert not is_employee_id("E1009", "E10090") and not is_employee_id("10090", "E100900")
    assert not is_employee_id("", "E10090") and not is_employee_id("Keller", "E10090")


def test_normalise_folds_letters_unicode_does_not_decompose() -> None:
    assert normalise("ØÐĐŁÆŒẞÞı") == "oddlaeoessthi"
    assert normalise("ℌﬁ") == "hfi"


LETTERS = st.characters(categories=("Lu", "Ll", "Lo", "Nd"), exclude_characters="ß")
NAME_WORD = st.text(LETTERS, min_size=1, max_size=12)
CHUNK = st.lists(NAME_WORD, min_size=1, max_size=3).flatmap(
    lambda parts: st.sampled_from(["'", "-", "’"]).map(lambda sep: sep.join(parts)))
NAME = st.lists(CHUNK, min_size=1, max_size=4).map(" ".join)


@given(NAME, st.data())
def test_any_prefix_of_any_word_of_a_name_finds_it(name: str, data: st.DataObject) -> None:
    chunk = data.draw(st.sampled_from(name.split()))
    prefix = chunk[:data.draw(st.integers(1, len(chunk)))]
    typed = query_words(prefix)
    if typed:  # a prefix of only marks or punctuation types nothing
        assert matches(typed, words_for_person(name, "E1", "someone@example.org"))


@given(NAME, st.data())
def test_the_start_of_a_name_typed_as_written_finds_it(name: str, data: st.DataObject) -> None:
    prefix = name[:data.draw(st.integers(1, len(name)))]
    typed = query_words(prefix)
    if typed:
        assert matches(typed, words_for_person(name, "E1", ""))


@given(st.text(max_size=200), st.text(max_size=80), st.text(max_size=120), st.text())
def test_any_text_gives_words_never_a_crash(name: str, employee_id: str, email: str,
                                            typed: str) -> None:
    words = words_for_person(name, employee_id, email)
    assert all(w and len(w) <= MAX_WORD and w == w.strip() for w in words)
    assert all(q and len(q) <= MAX_WORD for q in query_words(typed))
