"""Google's Gemini API: ``api`` (the provider), ``_config`` (generation and tool
config), ``_request`` (contents) and ``_response`` (candidates, errors)."""
