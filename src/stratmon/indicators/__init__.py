"""Performance indicators: the registry's data files, the results workflow, and status rules."""
