"""Pictures of billing data (matplotlib, Agg backend, into PNG bytes): outside ``billing/``, which returns data."""
