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
                body = self.answer(batch, prompt)
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

    def answer(self, batch: Dict[str, Any], prompt: str) -> Dict[str, Any]:
        """The body of a successful line's response (a subclass may answer otherwise)."""
        return chat_completion(f"echo: {prompt}")

    def cancel(self, received: Received, batch_id: str) -> Reply:
        batch = self.batches[batch_id]
        batch["status"] = "cancelling"
        return Reply(200, self.public(batch))

    def content(self, received: Received, file_id: str) -> Reply:
        return Reply(200, self.files[file_id], headers={"Content-Type": "application/octet-stream"})


def anthropic_message(text: str) -> Dict[str, Any]:
    """A Messages API response body answering ``text``."""
    return {
        "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": 4},
    }


class FakeAnthropic(FakeBatchAPI):
    """Anthropic's ``/v1/messages/batches`` and its results URL."""

    def __init__(self, url: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.routes = [
            ("POST", r"/v1/messages/batches", self.create),
            ("GET", r"/v1/messages/batches/([^/]+)", self.get),
            ("POST", r"/v1/messages/batches/([^/]+)/cancel", self.cancel),
            ("GET", r"/v1/messages/batches/([^/]+)/results", self.content),
        ]

    def default_plan(self) -> List[str]:
        return ["in_progress", "in_progress", "ended"]

    def create(self, received: Received) -> Reply:
        requests = received.json()["requests"]
        batch_id = f"msgbatch_{len(self.batches) + 1:02d}"
        self.batches[batch_id] = {
            "id": batch_id,
            "type": "message_batch",
            "processing_status": "in_progress",
            "request_counts": {
                "processing": len(requests),
                "succeeded": 0,
                "errored": 0,
                "canceled": 0,
                "expired": 0,
            },
            "ended_at": None,
            "created_at": "2024-09-24T18:37:24.100435Z",
            "expires_at": "2024-09-25T18:37:24.100435Z",
            "cancel_initiated_at": None,
            "results_url": None,
            "_requests": requests,
        }
        return Reply(200, self.public(batch_id))

    def public(self, batch_id: str) -> Dict[str, Any]:
        return {k: v for k, v in self.batches[batch_id].items() if not k.startswith("_")}

    def get(self, received: Received, batch_id: str) -> Reply:
        batch = self.batches[batch_id]
        if batch["processing_status"] != "ended":
            state = "ended" if batch["processing_status"] == "canceling" else self.advance(batch)
            if state == "ended":
                self.finish(batch)
        return Reply(200, self.public(batch_id))

    def finish(self, batch: Dict[str, Any]) -> None:
        requests = [(r["custom_id"], r["params"]) for r in batch["_requests"]]
        cut = (
            "cancelled"
            if batch["cancel_initiated_at"]
            else ("expired" if self.processed is not None else "")
        )
        finished = {cid for cid, _, _ in self.outcomes(requests, cut)}
        lines, counts = (
            [],
            {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0},
        )
        for cid, ok, prompt in self.outcomes(requests, ""):
            if cid not in finished:
                kind = "canceled" if batch["cancel_initiated_at"] else "expired"
                result: Dict[str, Any] = {"type": kind}
            elif ok:
                kind, result = (
                    "succeeded",
                    {"type": "succeeded", "message": anthropic_message(f"echo: {prompt}")},
                )
            else:
                kind = "errored"
                result = {
                    "type": "errored",
                    "error": {
                        "type": "error",
                        "error": {
                            "type": "invalid_request_error",
                            "message": "FAIL is not a valid prompt",
                        },
                    },
                }
            counts[kind] += 1
            lines.append({"custom_id": cid, "result": result})
        batch["_results"] = "\n".join(json.dumps(x) for x in lines).encode() + b"\n"
        batch.update(
            processing_status="ended",
            request_counts=counts,
            ended_at="2024-09-24T19:37:24Z",
            results_url=f"{self.url}/v1/messages/batches/{batch['id']}/results",
        )

    def cancel(self, received: Received, batch_id: str) -> Reply:
        batch = self.batches[batch_id]
        batch.update(processing_status="canceling", cancel_initiated_at="2024-09-24T18:39:03Z")
        return Reply(200, self.public(batch_id))

    def content(self, received: Received, batch_id: str) -> Reply:
        return Reply(
            200, self.batches[batch_id]["_results"], headers={"Content-Type": "application/binary"}
        )


class FakeMistral(FakeOpenAI):
    """Mistral's ``/v1/files`` + ``/v1/batch/jobs``."""

    STATES = {
        "validating": "QUEUED",
        "in_progress": "RUNNING",
        "finalizing": "RUNNING",
        "completed": "SUCCESS",
        "failed": "FAILED",
        "expired": "TIMEOUT_EXCEEDED",
        "cancelling": "CANCELLATION_REQUESTED",
        "cancelled": "CANCELLED",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.routes = [
            ("POST", r"/v1/files", self.upload),
            ("POST", r"/v1/batch/jobs", self.create_job),
            ("GET", r"/v1/batch/jobs/([^/]+)", self.get_job),
            ("POST", r"/v1/batch/jobs/([^/]+)/cancel", self.cancel),
            ("GET", r"/v1/files/([^/]+)/content", self.content),
        ]

    def create_job(self, received: Received) -> Reply:
        body = received.json()
        reply = self.create(
            Received(
                "POST",
                "/",
                {},
                json.dumps(
                    {
                        "input_file_id": body["input_files"][0],
                        "endpoint": body["endpoint"],
                        "completion_window": "24h",
                    }
                ).encode(),
            )
        )
        batch = self.batches[reply.body["id"]]
        batch["_model"] = body["model"]
        return Reply(200, self.job(batch))

    def job(self, batch: Dict[str, Any]) -> Dict[str, Any]:
        counts = batch["request_counts"]
        return {
            "id": batch["id"],
            "object": "batch",
            "input_files": [batch["input_file_id"]],
            "endpoint": batch["endpoint"],
            "model": batch["_model"],
            "errors": [],
            "status": self.STATES[batch["status"]],
            "created_at": 1730000000,
            "total_requests": len(batch["_lines"]),
            "completed_requests": counts["completed"] + counts["failed"],
            "succeeded_requests": counts["completed"],
            "failed_requests": counts["failed"],
            "output_file": batch["output_file_id"],
            "error_file": batch["error_file_id"],
        }

    def get_job(self, received: Received, batch_id: str) -> Reply:
        self.get(received, batch_id)
        return Reply(200, self.job(self.batches[batch_id]))


def gemini_response(text: str) -> Dict[str, Any]:
    """A ``GenerateContentResponse`` answering ``text``."""
    return {
        "candidates": [
            {
                "content": {"parts": [{"text": text}], "role": "model"},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 4, "totalTokenCount": 9},
        "modelVersion": "gemini-2.5-flash",
    }


class FakeGemini(FakeBatchAPI):
    """Gemini's ``models/{m}:batchGenerateContent``, ``batches/{id}``, and the Files API."""

    STATES = {
        "validating": "BATCH_STATE_PENDING",
        "in_progress": "BATCH_STATE_RUNNING",
        "completed": "BATCH_STATE_SUCCEEDED",
        "failed": "BATCH_STATE_FAILED",
        "cancelled": "BATCH_STATE_CANCELLED",
        "expired": "BATCH_STATE_EXPIRED",
    }

    def __init__(self, url: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.routes = [
            ("POST", r"/v1beta/models/([^/]+):batchGenerateContent", self.create),
            ("GET", r"/v1beta/batches/([^/:]+)", self.get),
            ("POST", r"/v1beta/batches/([^/]+):cancel", self.cancel),
            ("POST", r"/upload/v1beta/files", self.upload_start),
            ("POST", r"/upload/session/([^/]+)", self.upload_finish),
            ("GET", r"/download/v1beta/files/([^/:]+):download", self.download),
        ]

    def default_plan(self) -> List[str]:
        return ["validating", "in_progress", "completed"]

    def upload_start(self, received: Received) -> Reply:
        assert received.headers["x-goog-upload-protocol"] == "resumable"
        session = f"s{len(self.files) + 1}"
        self.files[session] = b""
        return Reply(
            200,
            {},
            headers={
                "X-Goog-Upload-URL": f"{self.url}/upload/session/{session}",
                "X-Goog-Upload-Status": "active",
            },
        )

    def upload_finish(self, received: Received, session: str) -> Reply:
        assert received.headers["x-goog-upload-command"] == "upload, finalize"
        self.files[f"files/{session}"] = received.body
        return Reply(
            200,
            {
                "file": {
                    "name": f"files/{session}",
                    "mimeType": "application/jsonl",
                    "sizeBytes": str(len(received.body)),
                    "state": "ACTIVE",
                }
            },
            headers={"X-Goog-Upload-Status": "final"},
        )

    def create(self, received: Received, model: str) -> Reply:
        config = received.json()["batch"]["input_config"]
        if "file_name" in config:
            lines = [json.loads(x) for x in self.files[config["file_name"]].splitlines() if x]
            requests = [(x["key"], x["request"]) for x in lines]
        else:
            requests = [
                (x["metadata"]["key"], x["request"]) for x in config["requests"]["requests"]
            ]
        name = f"batches/b{len(self.batches) + 1}"
        self.batches[name] = {
            "name": name,
            "state": "validating",
            "_requests": requests,
            "_file": "file_name" in config,
            "_model": model,
        }
        return Reply(200, self.public(name))

    def public(self, name: str) -> Dict[str, Any]:
        batch = self.batches[name]
        n = len(batch["_requests"])
        metadata: Dict[str, Any] = {
            "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
            "model": f"models/{batch['_model']}",
            "displayName": "modelkit-batch",
            "state": self.STATES[batch["state"]],
            "batchStats": {"requestCount": str(n), "pendingRequestCount": str(n)},
        }
        out: Dict[str, Any] = {"name": name, "metadata": metadata}
        if "_output" in batch:
            out["done"] = True
            out["response"] = {
                "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput",
                **batch["_output"],
            }
            metadata["output"] = batch["_output"]
        return out

    def get(self, received: Received, batch_id: str) -> Reply:
        name = f"batches/{batch_id}"
        batch = self.batches[name]
        if batch["state"] not in ("completed", "failed", "cancelled", "expired"):
            batch["state"] = self.advance(batch)
            if batch["state"] in ("completed", "cancelled", "expired"):
                self.finish(batch)
        return Reply(200, self.public(name))

    def finish(self, batch: Dict[str, Any]) -> None:
        entries = []
        for key, ok, prompt in self.outcomes(batch["_requests"], batch["state"]):
            if ok:
                entries.append({"key": key, "response": gemini_response(f"echo: {prompt}")})
            else:
                entries.append(
                    {
                        "key": key,
                        "error": {
                            "code": 400,
                            "message": "FAIL is not allowed",
                            "status": "INVALID_ARGUMENT",
                        },
                    }
                )
        if batch["_file"]:
            file_id = f"files/batch-{len(self.files) + 1}"
            self.files[file_id] = "\n".join(json.dumps(x) for x in entries).encode()
            batch["_output"] = {"responsesFile": file_id}
        else:
            inline = [
                {**{k: v for k, v in x.items() if k != "key"}, "metadata": {"key": x["key"]}}
                for x in entries
            ]
            batch["_output"] = {"inlinedResponses": {"inlinedResponses": inline}}

    def cancel(self, received: Received, batch_id: str) -> Reply:
        batch = self.batches[f"batches/{batch_id}"]
        batch["state"] = "cancelled"
        self.finish(batch)
        return Reply(200, {})

    def download(self, received: Received, file_id: str) -> Reply:
        assert received.path.endswith("?alt=media")
        return Reply(
            200, self.files[f"files/{file_id}"], headers={"Content-Type": "application/jsonl"}
        )
