"""The engine: everything between a normalised request and the provider's answer.

Owns the HTTP client (``http``) and its deadline watchdog (``deadline``),
per-key connection limits (``limits``), fleet-wide leases and per-minute
budgets (``fleet``, ``budget``), retry decisions (``retry``), the run
of one request within them (``run``), the shared worker pool (``pool``) and
``generate_many`` over it (``many``). May import the shared types, ``api``
and ``_prepare``; never ``model``, ``cache``, ``tools``, a provider or the
CLI. Providers import ``http`` from here.
"""
