"""What each portal page shows, as plain data and `DataTable`s, computed by `analysis`; one module
per page. Templates render these; downloads write their tables."""
