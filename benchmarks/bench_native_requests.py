"""Client-side cost of one Gemini and one Bedrock request, against plain ``json.dumps``.

For a 20-message conversation with two tools, measures in one run:
``json.dumps`` of the finished Gemini body (the baseline: every HTTP client
pays it), then the full client-side work modelkit adds before the socket
write: ``build_request`` + ``json.dumps`` + ``sign`` (the key header for
Gemini; SigV4 over the body for Bedrock), and the parsing of a recorded
response into a ``ModelOutput``. No network: the providers' methods are
called directly. Prints median and p90 in microseconds and the ratio of
each median to the baseline's.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("GOOGLE_API_KEY", "bench-google-key")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
os.environ.setdefault("AWS_REGION", "us-east-1")

from modelkit import get_model
from modelkit._engine.response import HttpResponse
from modelkit.messages import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
)
from modelkit.tools import ToolCall, ToolInfo, ToolParam, ToolParams

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
CALLS = 2_000


def conversation() -> List[ChatMessage]:
    messages: List[ChatMessage] = [ChatMessageSystem(content="You are a careful assistant.")]
    for turn in range(6):
        messages.append(ChatMessageUser(content=f"Question {turn}: what is the weather? " * 8))
        call = ToolCall(id=f"tooluse_{turn}", function="get_weather", arguments={"city": "Paris"})
        messages.append(ChatMessageAssistant(content="Let me check.", tool_calls=[call]))
        messages.append(ChatMessageTool(content="18C, sunny " * 10, tool_call_id=call.id))
    messages.append(ChatMessageUser(content="Thanks. And tomorrow?"))
    return messages


TOOLS = [
    ToolInfo(
        name="get_weather",
        description="Get the current weather in a city.",
        parameters=ToolParams(
            properties={
                "city": ToolParam(type="string", description="The city name."),
                "unit": ToolParam(type="string", enum=["celsius", "fahrenheit"]),
            },
            required=["city"],
        ),
    ),
    ToolInfo(name="current_time", description="The current UTC time."),
]


def measure(fn: Callable[[], Any]) -> Dict[str, float]:
    for _ in range(50):
        fn()
    samples = []
    for _ in range(CALLS):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return {"median": statistics.median(samples) * 1e6, "p90": samples[int(CALLS * 0.9)] * 1e6}


def response(fixture: str) -> HttpResponse:
    content = (FIXTURES / fixture).read_bytes()
    return HttpResponse(status=200, headers={}, content=content, elapsed=0.0)


def main() -> None:
    messages = conversation()
    rows = []
    for spec, fixture in (
        ("google/gemini-2.5-flash", "google/roundtrip_1.response.json"),
        ("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", "bedrock/roundtrip_1.response.json"),
    ):
        model = get_model(spec, memoize=False)
        api: Any = model.api
        request = model.prepare(messages, tools=TOOLS)
        built = api.build_request(request.input, request.tools, request.tool_choice, request.config)
        if not rows:
            body = built.body
            rows.append(
                ("json.dumps of the body (baseline)", measure(lambda b=body: json.dumps(b)))
            )

        def send_side(api: Any = api, request: Any = request) -> None:
            built = api.build_request(
                request.input, request.tools, request.tool_choice, request.config
            )
            api.sign(built, json.dumps(built.body).encode("utf-8"))

        reply = response(fixture)

        def parse(api: Any = api, reply: HttpResponse = reply) -> None:
            api.parse_response(reply.json(), reply)

        provider = spec.split("/")[0]
        rows.append((f"{provider}: build + dumps + sign", measure(send_side)))
        rows.append((f"{provider}: parse response", measure(parse)))
    base = rows[0][1]["median"]
    print(f"{'step':40} {'median us':>10} {'p90 us':>10} {'x baseline':>11}")
    for name, stats in rows:
        ratio = stats["median"] / base
        print(f"{name:40} {stats['median']:10.1f} {stats['p90']:10.1f} {ratio:11.2f}")


if __name__ == "__main__":
    main()
