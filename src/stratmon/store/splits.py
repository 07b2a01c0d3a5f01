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


class ActivityShares:
    """The recipient and sector shares of one activity's transactions.

    A transaction's own recipients win over the activity's, and so do its own sectors, vocabulary
    by vocabulary. The activity's shares are worked out once, not once per transaction, and so are those
    of each set of a transaction's own records: transactions that repeat their recipients and sectors share
    the records (sources/iati_transactions.py), which are known by identity while the activity lives. The
    lists returned are shared between transactions and must not be changed.
    """

    def __init__(self, activity: Activity) -> None:
        self._recipients = _recipient_weights(activity.recipients)
        self._sectors = _sector_weights(activity.sectors)
        self._own_recipients: dict[tuple[int, ...], tuple[list[Share], bool]] = {}
        self._own_sectors: dict[tuple[int, ...], dict[str, list[Share]]] = {}

    def recipients(self, tx: Transaction) -> tuple[list[Share], bool]:
        """(recipient key, weight) pairs for a transaction, and whether percentages were rebased.

        Regions keep their own key (`region-<code>`) and are never spread over countries.
        """
        if not tx.recipients:
            return self._recipients
        key = tuple(map(id, tx.recipients))
        found = self._own_recipients.get(key)
        if found is None:
            found = self._own_recipients[key] = _recipient_weights(tx.recipients)
        return found

    def sectors(self, tx: Transaction) -> dict[str, list[Share]]:
        """Per sector vocabulary, (sector code, weight) pairs: the transaction's sectors if it
        has any in that vocabulary, else the activity's."""
        if not tx.sectors:
            return self._sectors
        key = tuple(map(id, tx.sectors))
        found = self._own_sectors.get(key)
        if found is None:
            own = _sector_weights(tx.sectors)
            # The activity's vocabularies first, as it lists them.
            found = self._own_sectors[key] = {**self._sectors, **own} if self._sectors else own
        return found


def _recipient_weights(recipients: list[Recipient]) -> tuple[list[Share], bool]:
    return weights([(r.key, r.percentage) for r in recipients])


def _sector_weights(sectors: list[Sector]) -> dict[str, list[Share]]:
    by_vocabulary: dict[str, list[tuple[str, Decimal | None]]] = {}
    for sector in sectors:
        by_vocabulary.setdefault(sector.vocabulary, []).append((sector.code, sector.percentage))
    return {vocabulary: weights(items)[0] for vocabulary, items in by_vocabulary.items()}


def weights(items: list[tuple[str, Decimal | None]]) -> tuple[list[Share], bool]:
    """(key, weight) pairs from (key, percentage) pairs, and whether percentages were rebased.

    No items: everything is `unspecified`. A lone item without a percentage is all
    of it; duplicates merge; zero shares drop out.
    """
    if not items:
        return [(UNSPECIFIED, Decimal(1))], False
    if len(items) == 1:
        key, pct = items[0]
        if pct is None:
            return [(key, Decimal(1))], False
        if pct > 0:
            # The usual case, one recipient or sector, without the general path's passes. The merge
            # rounds as the general path's sum does (0 + pct), so "rebased" is decided alike.
            merged = _merge([(key, pct)])
            return merged, merged[0][1] != 100
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


def split_rows(total: int, recipients: list[Share], sectors: dict[str, list[Share]]) -> list[tuple[str, str, str, int]]:
    """(recipient_key, sector_vocabulary, sector_code, amount) for one transaction.

    Rows with sector_vocabulary '' split by recipient only; for every vocabulary present,
    rows split by recipient × sector. Each group sums exactly to `total`.
    """
    if len(recipients) == 1:
        return _one_recipient_rows(total, recipients[0], sectors)
    rows = [(key, NO_SECTOR_SPLIT, NO_SECTOR_SPLIT, amount)
            for (key, _), amount in zip(recipients, allocate(total, [w for _, w in recipients]))]
    for vocabulary, shares in sectors.items():
        cells = [(rk, sk, rw * sw) for rk, rw in recipients for sk, sw in shares]
        rows += [(rk, vocabulary, sk, amount)
                 for (rk, sk, _), amount in zip(cells, allocate(total, [w for _, _, w in cells]))]
    return rows


def _one_recipient_rows(total: int, recipient: Share,
                        sectors: dict[str, list[Share]]) -> list[tuple[str, str, str, int]]:
    """`split_rows` for the usual transaction, with one recipient, written without the general path's lists:
    the recipient has all of it, and so has each vocabulary's one sector. (Where a vocabulary has several, they
    are weighed as the general path weighs them, times the recipient's weight, so that they round alike.)"""
    key, weight = recipient
    rows = [(key, NO_SECTOR_SPLIT, NO_SECTOR_SPLIT, total)]
    for vocabulary, shares in sectors.items():
        if len(shares) == 1:
            rows.append((key, vocabulary, shares[0][0], total))
        else:
            amounts = allocate(total, [weight * share for _, share in shares])
            rows += [(key, vocabulary, code, amount) for (code, _), amount in zip(shares, amounts)]
    return rows
