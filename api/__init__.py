"""The Portal API: HTTP over the billing core, for the Joan Portal and resellers' own systems."""
