"""OpenAI's chat completions API (``openai``, ``azure``) and the compatible servers.

``api`` is the provider class, ``_request``/``_response`` its pure
converters, ``compat`` the presets (Groq, Together, vLLM, ...) over them.
"""
