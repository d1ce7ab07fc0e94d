"""Wire-text structure, shared by ingest and enrich (no dependencies beyond the standard library)."""
