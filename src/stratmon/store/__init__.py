"""The store: the only writer. Schema, migrations, loaders and the import ledger."""
