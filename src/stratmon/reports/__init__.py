"""Reports for people and scripts: the indicator tracking table as CSV, Excel and HTML."""
