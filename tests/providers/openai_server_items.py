"""OpenAI Responses server-side tool items, as OpenAI documents them, for the tool tests.

Shared by ``test_openai_builtin_tools`` (the tools through ``generate`` and
streams) and ``test_openai_responses_tools`` (the converters on their own),
which each had a copy. Shapes from
https://platform.openai.com/docs/guides/tools-web-search (a
``web_search_call`` item with its ``action``, then a ``message`` whose
``output_text`` has ``url_citation`` annotations),
https://platform.openai.com/docs/guides/tools-code-interpreter (a
``code_interpreter_call`` with ``logs`` outputs), the ``reasoning`` item of
https://platform.openai.com/docs/api-reference/responses/object and the
event stream of https://platform.openai.com/docs/api-reference/responses-streaming.
Imported as ``from openai_server_items import ...`` (pytest puts this folder
on ``sys.path``).
"""

from __future__ import annotations

import json
from typing import Any, Dict

from modelkit import UrlCitation

SEARCH: Dict[str, Any] = {
    "type": "web_search_call",
    "id": "ws_67c9fa0502748190b7dd390736892e100be649c1a5ff9609",
    "status": "completed",
    "action": {"type": "search", "query": "positive news story today"},
}
CODE: Dict[str, Any] = {
    "type": "code_interpreter_call",
    "id": "ci_68a1b2c3d4e5f60718293a4b5c6d7e8f",
    "status": "completed",
    "code": "print(2 ** 10)",
    "container_id": "cntr_68a1b2c3d4e5f607",
    "outputs": [{"type": "logs", "logs": "1024\n"}],
}
REASONING: Dict[str, Any] = {
    "type": "reasoning",
    "id": "rs_67c9fa04f9f08190a2e8d5b6c1f1d5b20be649c1a5ff9609",
    "summary": [],
    "encrypted_content": "gAAAAABoXr7n...",
}
TEXT = "On March 6, 2025, several news outlets reported good news; 2**10 is 1024."
MESSAGE: Dict[str, Any] = {
    "type": "message",
    "id": "msg_67c9fa077e288190af08fdffda2e34f20be649c1a5ff9609",
    "status": "completed",
    "role": "assistant",
    "content": [
        {
            "type": "output_text",
            "text": TEXT,
            "annotations": [
                {
                    "type": "url_citation",
                    "start_index": 0,
                    "end_index": 16,
                    "url": "https://www.example.com/good-news",
                    "title": "Good news of the day",
                }
            ],
        }
    ],
}
CITATION = UrlCitation(
    url="https://www.example.com/good-news", title="Good news of the day", cited_text=(0, 16)
)
"""What ``MESSAGE``'s annotation becomes on the text."""


def response_body(*output: Dict[str, Any], model: str = "gpt-4.1-2025-04-14") -> Dict[str, Any]:
    """A completed ``response`` object holding ``output``."""
    return {
        "id": "resp_67c9fa0502748190b7dd390736892e100be649c1a5ff9609",
        "object": "response",
        "status": "completed",
        "model": model,
        "output": list(output),
        "usage": {"input_tokens": 328, "output_tokens": 52, "total_tokens": 380},
    }


def sse(*events: Dict[str, Any]) -> bytes:
    """Responses stream events as server-sent events, numbered in order."""
    return b"".join(
        f"event: {e['type']}\ndata: {json.dumps({**e, 'sequence_number': n})}\n\n".encode()
        for n, e in enumerate(events)
    )


def in_progress(item: Dict[str, Any]) -> Dict[str, Any]:
    """``item`` as ``response.output_item.added`` announces it: no results yet."""
    started = {k: v for k, v in item.items() if k not in ("action", "outputs", "code")}
    return {**started, "status": "in_progress"}
