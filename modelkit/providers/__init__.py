"""The built-in providers: one module or small package per wire format.

``_rest`` is the base class every HTTP provider extends and ``_common`` the
helpers they share; ``mockllm`` answers offline. Each package below holds
one provider's ``api`` module (the ``ModelAPI`` the registry loads) beside
its pure converters. A provider may import the shared types, ``api``,
``_engine`` (its ``http`` and ``response``), ``_media``, ``_redact`` and the modules here; it never
imports ``model``, ``cache``, ``tools`` (beyond the tool types), the CLI or
another provider, except the OpenAI converters that compatible APIs reuse.
"""
