"""Activities with the activities under them (IATI related-activity type 2, "child"), as publishers
such as MCC report results on a project and money on the activities under it."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, select

from stratmon.store import schema


def activity_families(connection: Connection, activity_ids: list[int], depth: int = 3) -> dict[int, set[int]]:
    """Each activity with its children (IATI related-activity type 2), their children, and so on:
    publishers such as MCC report results on a project and money on the activities under it."""
    related, activity = schema.related_activity, schema.activity
    families = {activity_id: {activity_id} for activity_id in activity_ids}
    frontier = {activity_id: {activity_id} for activity_id in activity_ids}
    for _level in range(depth):
        parents = sorted({member for members in frontier.values() for member in members})
        children: dict[int, set[int]] = defaultdict(set)
        for start in range(0, len(parents), 500):
            for parent_id, child_id in connection.execute(
                    select(related.c.activity_id, activity.c.id)
                    .join(activity, activity.c.iati_identifier == related.c.ref)
                    .where(related.c.activity_id.in_(parents[start:start + 500]), related.c.type == "2")):
                children[parent_id].add(child_id)
        frontier = {root: {c for member in members for c in children.get(member, ())} - families[root]
                    for root, members in frontier.items()}
        for root, found in frontier.items():
            families[root] |= found
        if not any(frontier.values()):
            break
    return families
