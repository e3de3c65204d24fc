"""Mistral's chat completions API: ``api`` (the provider) and ``_messages``
(messages to the wire; tools reuse the OpenAI converters)."""
