"""The words a member of staff is found under in the manual lookup, and the words of what the
front office types: accents and case do not matter, and any word's first letters are enough.

A person is found under each word of their name (and, for a name written with an apostrophe
or a hyphen, the whole of it as one word: O'Brien is "o", "brien" and "obrien"), their
employee number (whole, and its digits alone: 10090 finds E10090) and their email (the whole
address, its part before the @ and that part's words). What is typed matches a person when
each typed word begins one of the person's words.

The words are stored (``person_word``): a change to these rules needs a migration that works
out everyone's words again, as 0007 did."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_WORD = 64  # characters kept of a word, stored or typed
MAX_WORDS = 40  # words kept for one person
MAX_QUERY_WORDS = 8  # words kept of what is typed
MAX_QUERY_TEXT = 512  # characters read of what is typed

# Letters that Unicode's decomposition leaves whole, spelled as people type them without the
# accent (after case folding, which already makes "ß" "ss").
_LETTERS = str.maketrans({
    "ø": "o", "đ": "d", "ð": "d", "ł": "l", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i",
    "ȷ": "j", "ħ": "h", "ŧ": "t", "ŋ": "ng", "ƒ": "f", "ɨ": "i", "ƶ": "z", "ɖ": "d",
    "ɗ": "d", "ƀ": "b", "ǥ": "g", "ɍ": "r", "ʉ": "u", "ɏ": "y",
})
_WORD = re.compile(r"[^\W_]+")  # letters and digits
_NOT_DIGIT = re.compile(r"\D")


def normalise(text: str) -> str:
    """``text`` without accents, case folded: "Nguyễn" is "nguyen", "Øyvind" "oyvind"."""
    if text.isascii():
        return text.lower()
    # Decompose before and after folding the case: "İ" folds to "i" and a dot above, and
    # some compatibility letters ("ℌ") decompose to a capital.
    for _ in range(2):
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text)
                       if not unicodedata.category(ch).startswith("M")).casefold()
    return text.translate(_LETTERS)


def _words(text: str) -> list[str]:
    """The words (runs of letters and digits) of normalised ``text``, capped in length."""
    if text.isalnum():  # the usual case, without the regular expression
        return [text[:MAX_WORD]]
    return [w[:MAX_WORD] for w in _WORD.findall(text)]


def _joined(words: list[str]) -> list[str]:
    """``words``, and all of them in one when there are several: O'Brien is "o", "brien" and
    "obrien"; Smith-Jones, J.R. and r.keller likewise."""
    return [*words, "".join(words)[:MAX_WORD]] if len(words) > 1 else words


def _digits(text: str) -> str:
    return _NOT_DIGIT.sub("", text)


def words_for_person(name: str, employee_id: str, email: str) -> set[str]:
    """Every word the person is found under (at most :data:`MAX_WORDS`, name words first)."""
    found: list[str] = []
    for chunk in normalise(name).split():
        found += _joined(_words(chunk))
    number = _words(normalise(employee_id))
    if number:  # its words, the whole of it as one word ("e10090") and its digits ("10090")
        whole = "".join(number)[:MAX_WORD]
        found += [*number, whole, _digits(whole)]
    address = "".join(normalise(email).split())
    if _WORD.search(address):
        found.append(address[:MAX_WORD])
        found += _joined(_words(address.partition("@")[0]))
    if len(found) <= MAX_WORDS:
        return set(found) - {""}  # an employee number without digits has no digits word
    return set([w for w in dict.fromkeys(found) if w][:MAX_WORDS])


def employee_key(text: str) -> str:
    """An employee number as one word: "E-10090" and "e10090" are both "e10090"."""
    return "".join(_words(normalise(text)))[:MAX_WORD]


def is_employee_id(text: str, employee_id: str) -> bool:
    """Whether what was typed is this employee number: the whole of it ("E10090") or, typed
    as digits only, its digits ("10090")."""
    typed, own = employee_key(text[:MAX_QUERY_TEXT]), employee_key(employee_id)
    if not typed or not own:
        return False
    return typed == own or (typed == _digits(typed) and typed == _digits(own))


def query_words(text: str) -> list[str]:
    """The words of what was typed, normalised as a person's words are (at most
    :data:`MAX_QUERY_WORDS`). A part with an @ is an email address, kept whole."""
    found: list[str] = []
    for chunk in normalise(text[:MAX_QUERY_TEXT]).split():
        if "@" in chunk and _WORD.search(chunk):
            found.append(chunk[:MAX_WORD])
        else:
            found += _words(chunk)
    return list(dict.fromkeys(found))[:MAX_QUERY_WORDS]


def too_broad(words: list[str]) -> bool:
    """Nothing typed, one letter alone, or the first two characters of an employee number
    ("1", "E1", "12"): each would list most of the district, sorted to show ten."""
    if not words:
        return True
    if len(words) > 1:
        return False
    word = words[0]
    return len(word) < 2 or (len(word) < 3 and any(ch.isdigit() for ch in word))


def matches(typed: Iterable[str], words: set[str]) -> bool:
    """Whether each typed word begins one of the person's words (what the lookup's query
    does in the database)."""
    return all(any(w.startswith(t) for w in words) for t in typed)
