"""Anthropic's Messages API: ``api`` (the provider), ``_messages`` (messages and
tools to the wire) and ``_response`` (the wire to a ``ModelOutput``, errors)."""
