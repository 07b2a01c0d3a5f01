"""The error every analysis raises for a question that cannot be answered as asked."""


class QueryError(ValueError):
    """A query the user asked for that cannot be answered as asked."""
