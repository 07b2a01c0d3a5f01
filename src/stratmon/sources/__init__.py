"""Readers: one module per input format. They parse and validate and yield records;
they never touch the database."""
