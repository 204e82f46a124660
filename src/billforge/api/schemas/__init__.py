"""Zuora's request and response shapes (pydantic models, Zuora field names as aliases)."""
