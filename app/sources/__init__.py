"""Inbound sources: provider webhooks received, verified, deduplicated and routed (issue 14)."""
