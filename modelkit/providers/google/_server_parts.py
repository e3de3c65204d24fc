"""Gemini code execution parts as ``ContentToolUse``, and back.

With the code execution tool (https://ai.google.dev/gemini-api/docs/code-execution)
a model turn holds an ``executableCode`` part (``language``, ``code``)
and then a ``codeExecutionResult`` part (``outcome``: ``OUTCOME_OK``,
``OUTCOME_FAILED``, ``OUTCOME_DEADLINE_EXCEEDED``; ``output``). The pair
becomes one ``ContentToolUse`` as Inspect maps it: ``tool_type``
``code_execution``, ``name`` the language, ``arguments`` the code,
``result`` the output, ``error`` the outcome when it is not
``OUTCOME_OK``. Both parts are kept in ``internal``
(``{"gemini_parts": [...]}``, thought signatures included) and sent back
unchanged in the model turn. So are the ``toolCall``/``toolResponse``
parts of a search the server ran beside function tools (``_builtin``),
unless the call lost its thought signature.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from ...messages import ContentToolUse

__all__ = ["code_tool_use", "fill_code_result", "server_parts"]

_KEY = "gemini_parts"


def code_tool_use(part: Mapping[str, Any]) -> ContentToolUse:
    """The part for an ``executableCode`` part (its result filled in later)."""
    code = part.get("executableCode") or {}
    return ContentToolUse(
        tool_type="code_execution",
        id="",
        name=str(code.get("language") or "LANGUAGE_UNSPECIFIED"),
        arguments=str(code.get("code") or ""),
        result="",
        internal={_KEY: [dict(part)]},
    )


def fill_code_result(tool: ContentToolUse, part: Mapping[str, Any]) -> None:
    """Put a ``codeExecutionResult`` part's output and outcome on ``tool``."""
    result = part.get("codeExecutionResult") or {}
    outcome = result.get("outcome")
    tool.result = str(result.get("output") or "")
    tool.error = str(outcome) if outcome and outcome != "OUTCOME_OK" else None
    parts = tool.internal.get(_KEY) if isinstance(tool.internal, dict) else None
    if isinstance(parts, list):
        parts.append(dict(part))


def server_parts(tool: ContentToolUse) -> Optional[List[Dict[str, Any]]]:
    """The parts to send back for ``tool``: Gemini's own, unchanged; else ``None``."""
    parts = tool.internal.get(_KEY) if isinstance(tool.internal, dict) else None
    if not isinstance(parts, list):
        return None
    if any(
        isinstance(p, dict) and "toolCall" in p and not p.get("thoughtSignature") for p in parts
    ):
        return []  # an unsigned server tool call is refused on replay (Inspect skips it too)
    return [dict(p) for p in parts if isinstance(p, dict)]
