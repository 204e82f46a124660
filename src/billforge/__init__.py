"""billforge: a self-hostable invoicing engine that speaks Zuora's invoice API."""

__version__ = "0.1.0"
