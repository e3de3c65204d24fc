"""``make demo``: modelkit answering prompts offline, with the built-in mockllm model.

Runs in a virtual environment holding only modelkit and its two runtime
dependencies (``make demo`` makes it). The answers are scripted, as
``mockllm``'s ``custom_outputs`` allows, so no key or network is needed;
swap the model name for ``openai/gpt-4o-mini`` (and set
``$OPENAI_API_KEY``) to ask a real model the same questions.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import modelkit
from modelkit import GenerateConfig, get_model

ANSWERS = {
    "Say hello": "Hello! I am mockllm, modelkit's offline model.",
    "What is the capital of France?": "Paris.",
    "Name three primary colours.": "Red, yellow and blue.",
}


def answer(messages: Any, *_: Any) -> str:
    """The scripted answer to the last message (mockllm's ``custom_outputs``)."""
    return ANSWERS.get(messages[-1].text, "I only know the demo's questions.")


def main() -> int:
    print(f"modelkit {modelkit.__version__}: three prompts, answered offline by mockllm\n")
    model = get_model("mockllm/model", custom_outputs=answer)
    for prompt in ANSWERS:
        output = model.generate(prompt, config=GenerateConfig(temperature=0))
        usage = output.usage
        tokens = f"{usage.input_tokens} tokens in, {usage.output_tokens} out" if usage else ""
        print(f"> {prompt}\n{output.completion}   ({tokens})\n")
    command = ["modelkit", "generate", "--model", "mockllm/model", "Say hello"]
    print("$ " + " ".join(command[:-1]) + ' "Say hello"')
    sys.stdout.flush()
    cli = [sys.executable, "-m", "modelkit", *command[1:]]
    code = subprocess.run(cli, check=False).returncode
    print(
        "\n(on the command line mockllm gives Inspect's fixed answer; for a real one use\n"
        " --model openai/gpt-4o-mini with $OPENAI_API_KEY set, or see: modelkit providers)"
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
