"""Built-in providers, one module per wire format, imported on first use."""
