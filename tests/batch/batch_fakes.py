"""Loopback fakes of the providers' batch APIs, walking each documented lifecycle.

Each fake is a responder for ``tests/loopback.py``'s server
(``LoopbackServer(default=fake)``): it keeps uploaded files and batches,
moves a batch one step through its ``plan`` of provider states on every
status request, and when the plan ends writes the results: an answer
``"echo: <prompt>"`` for each request, an error for each prompt containing
``FAIL``, only the first ``processed`` requests when the batch expires or is
cancelled, and the result lines in *reverse* input order (the APIs promise
no order). Shapes follow the API references cited in each test module.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

from loopback import Received, Reply, chat_completion

Answer = Callable[[str, Dict[str, Any]], Tuple[bool, Any]]


def prompt_of(body: Dict[str, Any]) -> str:
    """The last user text of a chat-completions, Responses, Messages or Gemini body."""
    if "messages" in body:
        content = body["messages"][-1]["content"]
    elif "input" in body:
        content = body["input"][-1]["content"]
    else:
        content = body["contents"][-1]["parts"]
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content)


def multipart_file(received: Received) -> bytes:
    """The ``file`` part of a ``multipart/form-data`` request."""
    boundary = received.headers["content-type"].split("boundary=")[1].encode()
    for part in received.body.split(b"--" + boundary):
        if b'name="file"' in part:
            return part.split(b"\r\n\r\n", 1)[1][: -len(b"\r\n")]
    raise AssertionError("no file part in the upload")


class FakeBatchAPI:
    """State shared by the fakes: files, batches, plans, a lock.

    Args:
        plan: provider states a batch goes through, one per status request.
        processed: when the plan ends expired or cancelled, how many
            requests had finished (the rest get no result).
    """

    def __init__(self, plan: Optional[List[str]] = None, processed: Optional[int] = None) -> None:
        self.plan = plan or self.default_plan()
        self.processed = processed
        self.files: Dict[str, bytes] = {}
        self.batches: Dict[str, Dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.routes: List[Tuple[str, str, Callable[..., Reply]]] = []
        self.calls: List[str] = []

    def default_plan(self) -> List[str]:
        raise NotImplementedError

    def __call__(self, received: Received) -> Reply:
        path = received.path.split("?")[0]
        with self.lock:
            self.calls.append(f"{received.method} {path}")
            for method, pattern, handler in self.routes:
                match = re.fullmatch(pattern, path)
                if method == received.method and match:
                    return handler(received, *match.groups())
        return Reply(404, {"error": {"message": f"no route {received.method} {path}"}})

    def advance(self, batch: Dict[str, Any]) -> str:
        """The next state of ``batch``'s plan (the last one sticks)."""
        step = batch.setdefault("_step", 0)
        plan = batch.get("_plan", self.plan)
        state = plan[min(step, len(plan) - 1)]
        batch["_step"] = step + 1
        return state

    def outcomes(
        self, requests: List[Tuple[str, Dict[str, Any]]], state: str
    ) -> List[Tuple[str, bool, str]]:
        """``(custom_id, ok, prompt)`` for the requests that finished, last first."""
        done = requests
        if state in (
            "expired",
            "cancelled",
            "EXPIRED",
            "BATCH_STATE_EXPIRED",
            "CANCELLED",
            "canceled",
        ):
            done = requests[: self.processed or 0]
        out = [(cid, "FAIL" not in prompt_of(body), prompt_of(body)) for cid, body in done]
        return list(reversed(out))


class FakeOpenAI(FakeBatchAPI):
    """OpenAI's ``/v1/files`` + ``/v1/batches`` (also Azure's, under ``/openai``)."""

    def __init__(self, prefix: str = "/v1", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        p = re.escape(prefix)
        self.routes = [
            ("POST", f"{p}/files", self.upload),
            ("POST", f"{p}/batches", self.create),
            ("GET", f"{p}/batches/([^/]+)", self.get),
            ("POST", f"{p}/batches/([^/]+)/cancel", self.cancel),
            ("GET", f"{p}/files/([^/]+)/content", self.content),
        ]

    def default_plan(self) -> List[str]:
        return ["validating", "in_progress", "finalizing", "completed"]

    def upload(self, received: Received) -> Reply:
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = multipart_file(received)
        return Reply(
            200,
            {
                "id": file_id,
                "object": "file",
                "bytes": len(self.files[file_id]),
                "created_at": 1711471533,
                "filename": "batch.jsonl",
                "purpose": "batch",
            },
        )

    def create(self, received: Received) -> Reply:
        body = received.json()
        batch_id = f"batch_{len(self.batches) + 1}"
        lines = [
            json.loads(line) for line in self.files[body["input_file_id"]].splitlines() if line
        ]
        self.batches[batch_id] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body["endpoint"],
            "errors": None,
            "input_file_id": body["input_file_id"],
            "completion_window": body["completion_window"],
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": 1711471533,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "_lines": lines,
        }
        return Reply(200, self.public(self.batches[batch_id]))

    def public(self, batch: Dict[str, Any]) -> Dict[str, Any]:
        return {k: v for k, v in batch.items() if not k.startswith("_")}

    def get(self, received: Received, batch_id: str) -> Reply:
        batch = self.batches[batch_id]
        if batch["status"] not in ("completed", "failed", "expired", "cancelled"):
            state = "cancelled" if batch["status"] == "cancelling" else self.advance(batch)
            batch["status"] = state
            total = len(batch["_lines"])
            batch["request_counts"] = {"total": total, "completed": 0, "failed": 0}
            if state in ("completed", "expired", "cancelled"):
                self.finish(batch, state)
            if state == "failed":
                batch["errors"] = {
                    "object": "list",
                    "data": [
                        {
                            "code": "invalid_json_line",
                            "message": "Line 1 is not valid JSON.",
                            "line": 1,
                        }
                    ],
                }
        return Reply(200, self.public(batch))

    def finish(self, batch: Dict[str, Any], state: str) -> None:
        requests = [(line["custom_id"], line["body"]) for line in batch["_lines"]]
        good, bad = [], []
        for cid, ok, prompt in self.outcomes(requests, state):
            if ok:
                body = chat_completion(f"echo: {prompt}")
                good.append(
                    {
                        "id": f"batch_req_{cid}",
                        "custom_id": cid,
                        "error": None,
                        "response": {"status_code": 200, "request_id": f"req_{cid}", "body": body},
                    }
                )
            else:
                error = {
                    "error": {
                        "message": "Invalid 'messages': FAIL is not allowed.",
                        "type": "invalid_request_error",
                        "param": "messages",
                        "code": None,
                    }
                }
                bad.append(
                    {
                        "id": f"batch_req_{cid}",
                        "custom_id": cid,
                        "error": None,
                        "response": {"status_code": 400, "request_id": f"req_{cid}", "body": error},
                    }
                )
        for name, lines in (("output_file_id", good), ("error_file_id", bad)):
            if lines:
                file_id = f"file-{len(self.files) + 1}"
                self.files[file_id] = "\n".join(json.dumps(x) for x in lines).encode() + b"\n"
                batch[name] = file_id
        batch["request_counts"] = {
            "total": len(requests),
            "completed": len(good),
            "failed": len(bad),
        }

    def cancel(self, received: Received, batch_id: str) -> Reply:
        batch = self.batches[batch_id]
        batch["status"] = "cancelling"
        return Reply(200, self.public(batch))

    def content(self, received: Received, file_id: str) -> Reply:
        return Reply(200, self.files[file_id], headers={"Content-Type": "application/octet-stream"})
