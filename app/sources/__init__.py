"""The inbound gateway: sources (provider accounts), their ingest URL, destinations, inbound log;
``providers`` holds the pure per-provider verifiers."""
