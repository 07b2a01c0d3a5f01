"""Pages of long lists (activities, audit entries, entered results)."""

from __future__ import annotations


class Paged:
    """Mixed into a page's dataclass, which has `total` and `per_page` fields."""

    total: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the whole list fills (at least one, even when empty)."""
        return max(1, -(-self.total // self.per_page))
