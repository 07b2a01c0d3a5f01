"""Pages of long lists (activities, audit entries, entered results, a page's long tables)."""

from __future__ import annotations


class Paged:
    """Mixed into a page's dataclass, which has `total` and `per_page` fields."""

    total: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the whole list fills (at least one, even when empty)."""
        return max(1, -(-self.total // self.per_page))


def page_numbers(current: int, last: int) -> list[int | None]:
    """The page numbers a pager links: the first, the last and those near the current one, with
    None where pages are skipped."""
    wanted = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    numbers: list[int | None] = []
    for number in wanted:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers
