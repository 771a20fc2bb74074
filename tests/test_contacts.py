"""The contacts directory: shared by every office, each person entered once."""

import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coalition.database import db
from coalition.models import Contact
from coalition.normalize import _ARABIC_FOLDS, _COMBINING, _MARKS, _PUNCT, fold
from tests.helpers import check_create_edit_delete, office_forms


@pytest.mark.parametrize("endpoint", ["contacts"])
def test_coordinator_creates_edits_and_deletes(app, world, coordinator_client, endpoint):
    check_create_edit_delete(app, world, coordinator_client, endpoint)


def test_the_same_contact_is_not_entered_twice(app, world, coordinator_client):
    client = coordinator_client
    data = office_forms(world)["contacts"][1]
    assert client.post("/contacts/new/", data=data).status_code == 302
    variant = {**data, "name": "احمد  الحلبيّ", "organisation": "رئاسه الهجره"}
    assert client.post("/contacts/new/", data=variant).status_code == 200
    with app.app_context():
        assert db.session.query(Contact).count() == 1


def _fold_one_by_one(text: str) -> str:
    """fold() as first written: every character's combining class asked in Python."""
    if not text:
        return ""
    text = _MARKS.sub("", unicodedata.normalize("NFKC", text).translate(_ARABIC_FOLDS))
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))
    return " ".join(_PUNCT.sub(" ", text.casefold()).split())


def test_fold_drops_exactly_the_characters_with_a_combining_class():
    combining = {c for c in range(sys.maxunicode + 1) if unicodedata.combining(chr(c))}
    assert set(_COMBINING) == combining


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(
    "أإآٱاةهىيئؤیکİIıiـ" "ًٌٍَُِّْٰ" "éèêëçşğüöÉŞĞÜÖ" "\u0301\u0327\u0308" "ﻻﷲ①ﬁ"
    "abcXYZ019٠١٩ -_.,؛،/\t\n\u00a0\u2003\u200b\u00b4")))
def test_fold_is_the_same_as_folding_one_character_at_a_time(text):
    assert fold(text) == _fold_one_by_one(text)


def test_fold_reads_arabic_turkish_and_latin_variants_alike():
    assert fold("  أحمد  الحلبيّ ") == fold("احمد الحلبي") == "احمد الحلبي"
    assert fold("رئاسة الهجرة") == fold("رئاسه الهجره")
    assert fold("İHH – Şahin") == fold("ihh sahin") == "ihh sahin"
    assert fold("Café_Noir") == "cafe noir"
    assert fold("Hello, World!") == "hello world"
