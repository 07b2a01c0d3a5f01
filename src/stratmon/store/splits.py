"""Splitting a transaction's value over recipients and sectors (DESIGN.md rules 2, 6, 8).

Pure functions on records. Amounts are integer millionths, and the parts of a split
always add up exactly to the whole: rounding residues go to the largest remainders.
"""

from __future__ import annotations

from decimal import Decimal

from stratmon.sources.iati_records import Activity, Recipient, Sector, Transaction

UNSPECIFIED = "unspecified"
CENT_MICROS = 10_000
NO_SECTOR_SPLIT = ""
Share = tuple[str, Decimal]


def recipient_shares(tx: Transaction, activity: Activity) -> tuple[list[Share], bool]:
    """(recipient key, weight) pairs for a transaction, and whether percentages were rebased.

    The transaction's own recipients win over the activity's; regions keep their own key
    (`region-<code>`) and are never spread over countries.
    """
    recipients: list[Recipient] = tx.recipients or activity.recipients
    return weights([(r.key, r.percentage) for r in recipients])


def sector_shares(tx: Transaction, activity: Activity) -> dict[str, list[Share]]:
    """Per sector vocabulary, (sector code, weight) pairs: the transaction's sectors if it
    has any in that vocabulary, else the activity's."""
    by_vocabulary: dict[str, list[Sector]] = {}
    for sector in activity.sectors:
        by_vocabulary.setdefault(sector.vocabulary, []).append(sector)
    own: dict[str, list[Sector]] = {}
    for sector in tx.sectors:
        own.setdefault(sector.vocabulary, []).append(sector)
    by_vocabulary.update(own)
    return {
        vocabulary: weights([(s.code, s.percentage) for s in sectors])[0]
        for vocabulary, sectors in by_vocabulary.items()
    }


def weights(items: list[tuple[str, Decimal | None]]) -> tuple[list[Share], bool]:
    """(key, weight) pairs from (key, percentage) pairs, and whether percentages were rebased.

    No items: everything is `unspecified`. A lone item without a percentage is all
    of it; duplicates merge; zero shares drop out.
    """
    if not items:
        return [(UNSPECIFIED, Decimal(1))], False
    if len(items) == 1 and items[0][1] is None:
        return [(items[0][0], Decimal(1))], False
    if all(pct is None for _, pct in items):
        # Several recipients and no percentages: the standard forbids it; share equally and flag.
        merged = _merge([(key, Decimal(1)) for key, _ in items])
        return merged, True
    weighted = [(key, pct if pct is not None else Decimal(0)) for key, pct in items]
    total = sum(pct for _, pct in weighted)
    if total == 0:
        return [(UNSPECIFIED, Decimal(1))], True
    rebased = total != 100 or any(pct is None for _, pct in items)
    return _merge([(key, pct) for key, pct in weighted if pct > 0]), rebased


def _merge(shares: list[Share]) -> list[Share]:
    merged: dict[str, Decimal] = {}
    for key, weight in shares:
        merged[key] = merged.get(key, Decimal(0)) + weight
    return list(merged.items())


def allocate(total: int, weights: list[Decimal]) -> list[int]:
    """Split an amount of millionths in proportion to `weights`; the parts sum exactly to `total`.

    A whole number of cents is split in whole cents, so that tables of parts rounded to the
    cent still add up to the rounded whole.
    """
    if len(weights) == 1:
        return [total]
    if total % CENT_MICROS == 0:
        return [part * CENT_MICROS for part in _allocate_units(total // CENT_MICROS, weights)]
    return _allocate_units(total, weights)


def _allocate_units(total: int, weights: list[Decimal]) -> list[int]:
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    weight_sum = sum(weights)
    exact = [magnitude * w / weight_sum for w in weights]
    parts = [int(x) for x in exact]  # floor, since every x >= 0
    leftover = magnitude - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: (exact[i] - parts[i], -i), reverse=True)
    for i in by_remainder[:leftover]:
        parts[i] += 1
    return [sign * part for part in parts]


def split_rows(total: int, recipients: list[Share], sectors: dict[str, list[Share]]):
    """(recipient_key, sector_vocabulary, sector_code, amount) for one transaction.

    Rows with sector_vocabulary '' split by recipient only; for every vocabulary present,
    rows split by recipient × sector. Each group sums exactly to `total`.
    """
    keys = [key for key, _ in recipients]
    for key, amount in zip(keys, allocate(total, [w for _, w in recipients])):
        yield key, NO_SECTOR_SPLIT, NO_SECTOR_SPLIT, amount
    for vocabulary, shares in sectors.items():
        cells = [(rk, sk, rw * sw) for rk, rw in recipients for sk, sw in shares]
        for (rk, sk, _), amount in zip(cells, allocate(total, [w for _, _, w in cells])):
            yield rk, vocabulary, sk, amount
