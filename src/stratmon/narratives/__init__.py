"""Narratives: what analysts write beside the figures, per line of action, country and span of fiscal years."""
