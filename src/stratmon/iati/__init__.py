"""What the IATI standard defines: codelists, version differences, element rules."""
