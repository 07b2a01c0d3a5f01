"""Strategy Monitor: monitoring and evaluation of a development strategy from public aid data."""

__version__ = "0.1.0"
