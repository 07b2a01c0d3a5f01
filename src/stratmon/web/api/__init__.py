"""The JSON API under /api/v1: `routes` gathers the routers of the modules beside it, one per subject."""
