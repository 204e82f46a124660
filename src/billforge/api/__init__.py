"""The HTTP door: FastAPI app, Zuora's JSON shapes, headers and error codes."""
