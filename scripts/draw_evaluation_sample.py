"""Draw the activities of an attribution evaluation set from an imported database, with a recorded seed.

    .venv/bin/python scripts/draw_evaluation_sample.py --db sqlite:///stratmon.db --seed 20261206 \
        --uniform 120 --dollars 120 --out sample.csv [--dossiers DIR] [--exclude LABELS.csv --all-tune]

The population is every activity with money in the framework's geography (its countries and the regions
it declares). One part is drawn uniformly over those activities; the other weighted by the activity's
FY2016–2020 net disbursements in USD (activities with none cannot be drawn in it), without replacement and
without the activities of the first part (weighted sampling by keys u^(1/w), Efraimidis and Spirakis).
Within each part, half the activities (by a seeded shuffle) are for tuning the crosswalks and half are
held out for reporting. `--dossiers` writes, per activity, what a person reads to label it: titles,
descriptions, sectors, organisations, accounts and recipients as published, never what the rules answer.
`--exclude` leaves out the activities an existing labels file holds, so that a later draw adds new ones;
`--all-tune` puts every drawn activity in the tuning half (a supplement must never grow the held-out half
after its misses have been read).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, func, select

from stratmon.framework.loader import load_framework
from stratmon.sources.usg_extensions import treasury_account, treasury_account_title
from stratmon.store import schema

DISBURSEMENT = "3"
FISCAL_YEARS = (2016, 2020)


def geography_keys(framework) -> set[str]:
    return {country.code for country in framework.countries} | {region.key for region in framework.regions}


def population(connection, keys: set[str]) -> dict[int, tuple[str, Decimal]]:
    """Activity id → (identifier, FY2016–2020 net disbursed USD in the geography), for every activity
    with money there."""
    split = schema.transaction_split
    in_geography = select(split.c.activity_id).where(
        split.c.recipient_key.in_(keys), split.c.sector_vocabulary == "").distinct()
    identifiers = dict(connection.execute(select(schema.activity.c.id, schema.activity.c.iati_identifier)
                                          .where(schema.activity.c.id.in_(in_geography))).all())
    dollars = dict(connection.execute(
        select(split.c.activity_id, func.sum(split.c.amount_micros))
        .where(split.c.recipient_key.in_(keys), split.c.sector_vocabulary == "", split.c.currency == "USD",
               split.c.type_code == DISBURSEMENT, split.c.fiscal_year.between(*FISCAL_YEARS))
        .group_by(split.c.activity_id)).all())
    return {aid: (identifier, Decimal(dollars.get(aid) or 0) / 1_000_000) for aid, identifier in identifiers.items()}


def draw(people: dict[int, tuple[str, Decimal]], seed: int, uniform: int, dollars: int) -> list[tuple[int, str]]:
    rng = random.Random(seed)
    ids = sorted(people, key=lambda aid: people[aid][0])
    first = rng.sample(ids, uniform)
    chosen = set(first)
    weighted = [(rng.random() ** (1 / float(people[aid][1])), aid) for aid in ids
                if aid not in chosen and people[aid][1] > 0]
    second = [aid for _key, aid in sorted(weighted, reverse=True)[:dollars]]
    return [(aid, "uniform") for aid in first] + [(aid, "dollars") for aid in second]


def halves(drawn: list[tuple[int, str]], seed: int) -> dict[int, str]:
    rng = random.Random(seed + 1)
    half = {}
    for part in ("uniform", "dollars"):
        members = [aid for aid, drawn_in in drawn if drawn_in == part]
        rng.shuffle(members)
        for index, aid in enumerate(members):
            half[aid] = "tune" if index % 2 == 0 else "test"
    return half


def dossier(connection, activity_id: int) -> dict:
    """What the data says of one activity, as published."""
    a = schema.activity
    row = connection.execute(select(a).where(a.c.id == activity_id)).one()._mapping
    narratives = defaultdict(list)
    for element, lang, text in connection.execute(select(
            schema.activity_narrative.c.element, schema.activity_narrative.c.lang, schema.activity_narrative.c.text)
            .where(schema.activity_narrative.c.activity_id == activity_id)):
        narratives[element].append({"lang": lang, "text": text[:2500]})
    sectors = [dict(r._mapping) for r in connection.execute(select(
        schema.sector.c.vocabulary, schema.sector.c.code, schema.sector.c.name, schema.sector.c.percentage)
        .where(schema.sector.c.activity_id == activity_id, schema.sector.c.transaction_id.is_(None)))]
    transaction_sectors = sorted({(r[0], r[1], r[2] or "") for r in connection.execute(select(
        schema.sector.c.vocabulary, schema.sector.c.code, schema.sector.c.name)
        .where(schema.sector.c.activity_id == activity_id, schema.sector.c.transaction_id.is_not(None)))})
    orgs = [dict(r._mapping) for r in connection.execute(select(
        schema.participating_org.c.role, schema.participating_org.c.name, schema.participating_org.c.ref)
        .where(schema.participating_org.c.activity_id == activity_id))]
    recipients = sorted({(r[0], r[1], r[2]) for r in connection.execute(select(
        schema.recipient.c.kind, schema.recipient.c.code, schema.recipient.c.name)
        .where(schema.recipient.c.activity_id == activity_id))})
    accounts, receivers = set(), set()
    for extensions, receiver in connection.execute(select(
            schema.transaction.c.extensions, schema.transaction.c.receiver_org_name)
            .where(schema.transaction.c.activity_id == activity_id)):
        if account := treasury_account(extensions):
            accounts.add(f"{account} {treasury_account_title(extensions) or ''}".strip())
        if receiver:
            receivers.add(receiver)
    return {"iati_identifier": row["iati_identifier"], "reporting_org": row["reporting_org_name"],
            "title": row["title"], "narratives": narratives, "sectors": sectors,
            "transaction_sectors": [list(s) for s in transaction_sectors], "participating_orgs": orgs,
            "transaction_receivers": sorted(receivers)[:20], "treasury_accounts": sorted(accounts),
            "recipients": [list(r) for r in recipients]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--uniform", type=int, default=120)
    parser.add_argument("--dollars", type=int, default=120)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--dossiers", type=Path)
    parser.add_argument("--exclude", type=Path, help="a labels CSV whose activities are not drawn again")
    parser.add_argument("--all-tune", action="store_true", help="every drawn activity goes to the tuning half")
    args = parser.parse_args()
    framework = load_framework()
    engine = create_engine(args.db)
    with engine.connect() as connection:
        people = population(connection, geography_keys(framework))
        if args.exclude:
            with args.exclude.open(newline="", encoding="utf-8") as handle:
                labelled = {row["iati_identifier"] for row in csv.DictReader(handle)}
            people = {aid: value for aid, value in people.items() if value[0] not in labelled}
        drawn = draw(people, args.seed, args.uniform, args.dollars)
        half = {aid: "tune" for aid, _part in drawn} if args.all_tune else halves(drawn, args.seed)
        with args.out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["iati_identifier", "draw", "half", "usd_fy2016_2020"])
            for aid, part in drawn:
                identifier, usd = people[aid]
                writer.writerow([identifier, part, half[aid], f"{usd:.2f}"])
        if args.dossiers:
            args.dossiers.mkdir(parents=True, exist_ok=True)
            for index, (aid, _part) in enumerate(drawn):
                path = args.dossiers / f"{index:03d}.json"
                path.write_text(json.dumps(dossier(connection, aid), ensure_ascii=False, indent=1, default=str),
                                encoding="utf-8")
    print(f"population {len(people)} activities; drew {len(drawn)} with seed {args.seed} into {args.out}")


if __name__ == "__main__":
    main()
