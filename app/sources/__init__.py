"""The inbound gateway: sources (provider accounts), their ingest URL, destinations, inbound log."""
