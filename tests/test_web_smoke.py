"""The portal starts on the real data and its home page works in both languages."""

from __future__ import annotations




def test_home_in_both_languages(reader):
    english = reader.get("/en/")
    assert english.status_code == 200
    assert "Promoting Prosperity" in english.text and 'href="/es/"' in english.text
    spanish = reader.get("/es/")
    assert spanish.status_code == 200
    assert 'lang="es"' in spanish.text
