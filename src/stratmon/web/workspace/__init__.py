"""The workspace under /{lang}/workspace: `routes` gathers the routers of the modules beside it, one per concern."""
