"""Measure the offline token estimate against real tokenizers on a text-and-code corpus.

The corpus is this repository's own writing: its Markdown docs (text), the
``modelkit`` package's Python source (code), the JSON wire fixtures under
``tests/fixtures`` (JSON) and ``scripts/token_corpus/multilingual.txt`` (the
same two sentences in German, French, Spanish, Russian, Chinese, Japanese
and Korean). Each document is counted by ``estimate_text_tokens`` and by each
reference tokenizer; the error is (estimate - true) / true per document.

The reference tokenizers are byte-level BPE vocabularies read from
llama.cpp's vocab-only GGUF files (``models/ggml-vocab-llama-bpe.gguf``,
``ggml-vocab-qwen2.gguf``, ``ggml-vocab-gpt-2.gguf`` in the llama.cpp
repository), run through ``tiktoken`` with each model's pre-tokenizer
pattern; the tokenizer is first checked against the ``.inp``/``.out`` test
pairs beside each file. Needs ``tiktoken`` (and its ``regex``), a
development tool only:

    python scripts/measure_token_estimate.py DIR_WITH_GGUF_FILES
"""

from __future__ import annotations

import statistics
import struct
import sys
from pathlib import Path
from typing import Any, BinaryIO, Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from modelkit.info._estimate import estimate_text_tokens  # noqa: E402 - after the path is set

# Each model's pre-tokenizer split pattern (llama.cpp's llama-vocab.cpp lists them).
PATTERNS = {
    "llama-bpe": r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",
    "qwen2": r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",
    "gpt-2": r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""",
}
_SCALARS = {
    0: "B",
    1: "b",
    2: "H",
    3: "h",
    4: "I",
    5: "i",
    6: "f",
    7: "?",
    10: "Q",
    11: "q",
    12: "d",
}


def _read(stream: BinaryIO, fmt: str) -> Any:
    return struct.unpack("<" + fmt, stream.read(struct.calcsize(fmt)))[0]


def _value(stream: BinaryIO, kind: int) -> Any:
    if kind in _SCALARS:
        return _read(stream, _SCALARS[kind])
    if kind == 8:
        return stream.read(_read(stream, "Q")).decode("utf-8", "surrogatepass")
    if kind == 9:
        item, count = _read(stream, "I"), _read(stream, "Q")
        return [_value(stream, item) for _ in range(count)]
    raise ValueError(f"GGUF value type {kind}")


def gguf_metadata(path: Path) -> Dict[str, Any]:
    """The key-value metadata of a GGUF file (the tensors are not read)."""
    with path.open("rb") as stream:
        if stream.read(4) != b"GGUF":
            raise ValueError(f"{path} is not a GGUF file")
        _read(stream, "I")
        _read(stream, "Q")
        count = _read(stream, "Q")
        meta = {}
        for _ in range(count):
            key = stream.read(_read(stream, "Q")).decode()
            meta[key] = _value(stream, _read(stream, "I"))
        return meta


def _byte_of_char() -> Dict[str, int]:
    """GPT-2's byte-to-printable-character table, inverted."""
    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    chars = list(printable)
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, chars)}


def tokenizer(path: Path) -> Any:
    """A ``tiktoken.Encoding`` with the GGUF file's vocabulary and pre-tokenizer."""
    import tiktoken

    meta = gguf_metadata(path)
    tokens = meta["tokenizer.ggml.tokens"]
    types = meta.get("tokenizer.ggml.token_type", [1] * len(tokens))
    byte_of = _byte_of_char()
    ranks = {}
    for rank, (token, kind) in enumerate(zip(tokens, types)):
        if kind == 1 and all(c in byte_of for c in token):
            ranks[bytes(byte_of[c] for c in token)] = rank
    name = path.name[len("ggml-vocab-") : -len(".gguf")]
    return tiktoken.Encoding(name, pat_str=PATTERNS[name], mergeable_ranks=ranks, special_tokens={})


def check(path: Path, encoding: Any) -> None:
    """Raise unless ``encoding`` reproduces llama.cpp's test pairs for ``path``."""
    texts = (
        path.with_suffix(".gguf.inp").read_text(encoding="utf-8").split("\n__ggml_vocab_test__\n")
    )
    ids = path.with_suffix(".gguf.out").read_text(encoding="utf-8").split("\n")
    for text, expected in zip(texts, ids):
        if encoding.encode(text, disallowed_special=()) != [int(t) for t in expected.split()]:
            raise SystemExit(f"{path.name}: the tokenizer does not reproduce {text!r}")


def corpus() -> List[Tuple[str, str]]:
    """(kind, text) of every document."""
    docs = [("text", p.read_text(encoding="utf-8")) for p in sorted(ROOT.glob("docs/**/*.md"))]
    docs.append(("text", (ROOT / "README.md").read_text(encoding="utf-8")))
    docs += [("code", p.read_text(encoding="utf-8")) for p in sorted(ROOT.glob("modelkit/**/*.py"))]
    docs += [
        ("json", p.read_text(encoding="utf-8"))
        for p in sorted(ROOT.glob("tests/fixtures/**/*.json"))
    ]
    multilingual = ROOT / "scripts" / "token_corpus" / "multilingual.txt"
    docs += [
        ("other languages", line) for line in multilingual.read_text(encoding="utf-8").splitlines()
    ]
    return [(kind, text) for kind, text in docs if text.strip()]


def main(argv: List[str]) -> int:
    folder = Path(argv[0]) if argv else Path(".")
    docs = corpus()
    print(f"corpus: {len(docs)} documents, {sum(len(t) for _, t in docs)} characters")
    print(
        "tokenizer   kind             docs   true tokens  bias   mean |err|  worst |err|  total err"
    )
    for name in PATTERNS:
        path = folder / f"ggml-vocab-{name}.gguf"
        encoding = tokenizer(path)
        check(path, encoding)
        by_kind: Dict[str, List[Tuple[int, int]]] = {}
        for kind, text in docs:
            true = len(encoding.encode(text, disallowed_special=()))
            by_kind.setdefault(kind, []).append((estimate_text_tokens(text), true))
        for kind, pairs in by_kind.items():
            errors = [(est - true) / true for est, true in pairs if true]
            total_true = sum(t for _, t in pairs)
            total_err = (sum(e for e, _ in pairs) - total_true) / total_true
            print(
                f"{name:11} {kind:16} {len(pairs):4} {total_true:12} {statistics.mean(errors):+6.1%}"
                f" {statistics.mean(abs(e) for e in errors):9.1%} {max(abs(e) for e in errors):11.1%}"
                f" {total_err:+10.1%}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
