"""Activities' titles and descriptions in the reader's language, where the publisher wrote them in it.

IATI narratives carry their language (`xml:lang`, else the activity's `default-language`); the
import keeps every one in `activity_narrative` and, as `activity.title`, the English title (else the
first). A reader of Spanish sees the Spanish title when the activity has one, else that published
title with its language, so that pages can say the text is in another language.

The columns below are correlated subqueries on the narratives' index by activity: a list adds them to
its own query (one query per page, whatever its length) and can sort and search on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, Select, Table, bindparam, case, exists, func, select
from sqlalchemy.sql.elements import ColumnElement

from stratmon.i18n import InLanguage
from stratmon.store import schema
from stratmon.store.statements import made_once

TITLE, DESCRIPTION = "title", "description"
_BATCH = 500  # identifiers per query: well inside every engine's limit on bound parameters


def _narrative_language(activity: Table, narrative) -> ColumnElement:
    """A narrative's language: its own, else its activity's default (lower case, as codes compare)."""
    return func.lower(func.coalesce(narrative.c.lang, activity.c.default_lang))


def title_in(activity: Table, lang: str) -> ColumnElement:
    """The activity's title in `lang`, NULL when the publisher wrote none in it."""
    narrative = schema.activity_narrative.alias("title_in_lang")
    return (select(func.min(narrative.c.text))
            .where(narrative.c.activity_id == activity.c.id, narrative.c.element == TITLE,
                   _narrative_language(activity, narrative) == lang)
            .scalar_subquery())


def shown_title(activity: Table, lang: str) -> tuple[ColumnElement, ColumnElement]:
    """The title a reader of `lang` is shown, labelled `title`, and its language, labelled `title_lang`:
    the title in `lang` where there is one, else the published title in the language it was written in
    (NULL when the publisher did not say)."""
    published = schema.activity_narrative.alias("published_title")
    published_lang = (select(func.min(_narrative_language(activity, published)))
                      .where(published.c.activity_id == activity.c.id, published.c.element == TITLE,
                             published.c.text == activity.c.title)
                      .scalar_subquery())
    wanted = schema.activity_narrative.alias("wanted_title")
    wanted_lang = (select(func.max(_narrative_language(activity, wanted)))
                   .where(wanted.c.activity_id == activity.c.id, wanted.c.element == TITLE,
                          _narrative_language(activity, wanted) == lang)
                   .scalar_subquery())
    return (func.coalesce(title_in(activity, lang), activity.c.title).label("title"),
            func.coalesce(wanted_lang, published_lang).label("title_lang"))


def shown_titles(connection: Connection, activity_ids: list[int],
                 lang: str) -> dict[int, tuple[str | None, str | None]]:
    """For a page's activities, by id: `shown_title`'s title where it is the title in `lang` (else None:
    the published title, `activity.title`, is shown) and `shown_title`'s language. The same answer from one
    grouped read of their titles, for a list whose rows are already chosen (cheaper than correlated
    subqueries per row)."""
    activity, narrative = schema.activity, schema.activity_narrative
    language = _narrative_language(activity, narrative).label("lang")
    found: dict[int, tuple[str | None, str | None]] = {}
    for start in range(0, len(activity_ids), _BATCH):
        chunk = activity_ids[start:start + _BATCH]
        in_lang: dict[int, str | None] = {}
        published_langs: dict[int, list[str]] = {}
        # Per activity and language: the least title in the database's order (as `title_in` takes it) and
        # whether one of them is the published title.
        rows = connection.execute(
            select(narrative.c.activity_id, language, func.min(narrative.c.text).label("text"),
                   func.max(case((narrative.c.text == activity.c.title, 1), else_=0)).label("is_published"))
            .select_from(narrative.join(activity, activity.c.id == narrative.c.activity_id))
            .where(narrative.c.activity_id.in_(chunk), narrative.c.element == TITLE)
            .group_by(narrative.c.activity_id, language))
        for row in rows:
            if row.lang == lang:
                in_lang[row.activity_id] = row.text
            elif row.is_published and row.lang is not None:
                published_langs.setdefault(row.activity_id, []).append(row.lang)
        for activity_id in chunk:
            published = published_langs.get(activity_id)
            found[activity_id] = ((in_lang[activity_id], lang) if activity_id in in_lang
                                  else (None, min(published) if published else None))
    return found


def titles_for(connection: Connection, identifiers: Iterable[str], lang: str) -> dict[str, InLanguage]:
    """The titles a reader of `lang` is shown, by IATI identifier, for a list made elsewhere (one query
    for a page's rows); activities without a title are left out."""
    activity = schema.activity
    wanted = sorted(set(identifiers))
    found: dict[str, InLanguage] = {}
    for start in range(0, len(wanted), _BATCH):
        statement = (select(activity.c.iati_identifier, *shown_title(activity, lang))
                     .where(activity.c.iati_identifier.in_(wanted[start:start + _BATCH])))
        found.update((row.iati_identifier, InLanguage(row.title, row.title_lang))
                     for row in connection.execute(statement) if row.title)
    return found


def title_matches(activity: Table, pattern: str) -> ColumnElement:
    """Whether a title of the activity, in any language, matches the LIKE `pattern` (lower case, `\\` escapes)."""
    narrative = schema.activity_narrative.alias("title_search")
    return exists().where(narrative.c.activity_id == activity.c.id, narrative.c.element == TITLE,
                          func.lower(narrative.c.text).like(pattern, escape="\\"))


@dataclass(frozen=True)
class Narrative:
    """A title or description as published: its text, its language (None: not said), its type code."""

    text: str
    lang: str | None
    description_type: str | None = None


def narratives_of(connection: Connection, activity_id: int,
                  default_lang: str | None) -> tuple[list[Narrative], list[Narrative]]:
    """One activity's titles and descriptions, each in a stable order (by type, language, text)."""
    rows = connection.execute(_narratives_statement(), {"activity_id": activity_id})
    found: dict[str, list[Narrative]] = {TITLE: [], DESCRIPTION: []}
    for row in rows:
        lang = (row.lang or default_lang or "").lower() or None
        found.setdefault(row.element, []).append(Narrative(row.text, lang, row.description_type))
    return found[TITLE], found[DESCRIPTION]


@made_once
def _narratives_statement() -> Select:
    narrative = schema.activity_narrative
    return (select(narrative.c.element, narrative.c.description_type, narrative.c.lang, narrative.c.text)
            .where(narrative.c.activity_id == bindparam("activity_id"), narrative.c.text != "")
            .order_by(narrative.c.description_type, narrative.c.lang, narrative.c.text))


def in_language(narratives: list[Narrative], lang: str, published: str | None) -> Narrative | None:
    """The narrative in `lang`, else the one whose text is `published` (the stored title), else the first."""
    return (next((n for n in narratives if n.lang == lang), None)
            or next((n for n in narratives if n.text == published), None)
            or (narratives[0] if narratives else None))
