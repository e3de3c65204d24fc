"""The package's dependency rules, read from the source with ``ast``.

Every import counts: module level, inside functions, and under
``TYPE_CHECKING``. Two rules (see docs/architecture.md):

* no cycles between modules;
* each module imports only from its own layer or the layers below it.

And ``import modelkit`` must not load a provider, ``requests`` or
``sqlite3``: checked on the import-time graph (module-level imports outside
``TYPE_CHECKING``, plus the parent packages Python runs on the way).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[1] / "modelkit"

# Lowest first. A module may import from its own layer and any layer below.
# The longest matching prefix decides a module's layer.
LAYERS: List[Tuple[str, ...]] = [
    (
        "modelkit.errors",
        "modelkit._serde",
        "modelkit._pydantic_style",
        "modelkit._retry_decision",
        "modelkit._response_headers",
        "modelkit._request_id",
        "modelkit._redact",
        "modelkit._redis",
        "modelkit._config_fields",
        "modelkit._config_checks",
        "modelkit._config_types",
        "modelkit._lazy",
        "modelkit._record",
        "modelkit._json",
        "modelkit._copy",
        "modelkit._env",
    ),
    (
        "modelkit.tools._types",
        "modelkit.tools._choice",
        "modelkit.tools._records",
        "modelkit.tools._hints",
        "modelkit.tools._docstrings",
        "modelkit.tools._schema",
        "modelkit.tools._validate",
        "modelkit.tools._function",
        "modelkit.tools._decorator",
        "modelkit.tools._view",
        "modelkit.tools._with",
        "modelkit.tools._think",
        "modelkit.tools.builtin",
        "modelkit.tools.__init__",
        "modelkit._structured",
    ),
    (
        "modelkit._citation",
        "modelkit._content",
        "modelkit._message_base",
        "modelkit.messages",
        "modelkit._system_tool_messages",
        "modelkit.config",
        "modelkit._config_args",
        "modelkit.output",
        "modelkit._output_parts",
        "modelkit._events",
        "modelkit._stream_events",
        "modelkit._response_schema",
        "modelkit._wellformed",
        "modelkit._history",
        "modelkit._model_types",
    ),
    ("modelkit._media_guard", "modelkit.info"),
    ("modelkit._media", "modelkit.api"),
    ("modelkit._prepare", "modelkit._fallback", "modelkit._support"),
    ("modelkit._engine",),
    ("modelkit.testing",),
    ("modelkit.cache",),
    ("modelkit.hooks", "modelkit.limits"),
    (
        "modelkit.tools._sources",
        "modelkit.tools._results",
        "modelkit.tools._execute",
        "modelkit.tools._loop",
        "modelkit.tools.mcp",
        "modelkit.tools._call_tools",
    ),
    ("modelkit.batch",),
    ("modelkit.providers", "modelkit.convert"),
    (
        "modelkit.model",
        "modelkit._model_stream",
        "modelkit._on_stream",
        "modelkit._models",
        "modelkit._roles",
    ),
    ("modelkit._compaction",),
    ("modelkit.cli", "modelkit.__main__", "modelkit.__init__"),
]

# Deliberate cycles, each with its reason. Keep this empty if you can.
ALLOWED_CYCLES: List[Set[str]] = []


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts)


def all_modules() -> Dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


MODULES = all_modules()


def _package_of(name: str) -> str:
    return name[: -len(".__init__")] if name.endswith(".__init__") else name.rsplit(".", 1)[0]


def _resolve(name: str) -> Optional[str]:
    """The module (``.py`` file) that ``name`` refers to, if it is modelkit's."""
    if name in MODULES:
        return name
    if f"{name}.__init__" in MODULES:
        return f"{name}.__init__"
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, tree: ast.AST, import_time_only: bool) -> Iterator[Tuple[str, List[str]]]:
    """(imported module, names) for each import; with ``import_time_only``,
    skip function bodies and ``TYPE_CHECKING`` blocks."""

    def walk(node: ast.AST) -> Iterator[ast.AST]:
        for child in ast.iter_child_nodes(node):
            if import_time_only and isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            ):
                continue
            if import_time_only and isinstance(child, ast.If) and _is_type_checking(child):
                yield from (n for stmt in child.orelse for n in walk_stmt(stmt))
                continue
            yield child
            yield from walk(child)

    def walk_stmt(stmt: ast.AST) -> Iterator[ast.AST]:
        yield stmt
        yield from walk(stmt)

    package = _package_of(module)
    for node in walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target, [alias.name for alias in node.names]


def edges(import_time_only: bool = False) -> Dict[str, Set[str]]:
    """modelkit module -> the modules it imports (external ones by top-level name)."""
    graph: Dict[str, Set[str]] = {}
    for module, path in MODULES.items():
        targets: Set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target, names in _imports(module, tree, import_time_only):
            if not target.startswith("modelkit"):
                targets.add(target.split(".")[0])
                continue
            found = False
            for name in names:  # ``from pkg import submodule``
                sub = _resolve(f"{target}.{name}")
                if sub is not None:
                    targets.add(sub)
                    found = True
            if not found:
                resolved = _resolve(target)
                assert resolved is not None, f"{module} imports unknown {target}"
                targets.add(resolved)
        targets.discard(module)
        graph[module] = targets
    return graph


def strongly_connected(graph: Dict[str, Set[str]]) -> List[Set[str]]:
    """Tarjan's algorithm: the components of more than one module."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[Set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layer_of(module: str) -> int:
    best, best_len = None, -1
    for number, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = number, len(prefix)
    assert best is not None, f"{module} is in no layer: add it to LAYERS and docs/architecture.md"
    return best


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


def test_no_import_cycles_counting_deferred_and_type_only_imports() -> None:
    cycles = [c for c in strongly_connected(edges()) if c not in ALLOWED_CYCLES]
    assert cycles == [], f"import cycles: {[sorted(c) for c in cycles]}"


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"{module} (layer {layer_of(module)}) imports {target} (layer {layer_of(target)})"
        for module, targets in edges().items()
        for target in sorted(targets)
        if target.startswith("modelkit") and layer_of(target) > layer_of(module)
    ]
    assert upward == []


def import_time_closure(start: str) -> Set[str]:
    graph = edges(import_time_only=True)
    seen: Set[str] = set()
    todo = [start]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        if module.startswith("modelkit"):
            todo.extend(graph.get(module, ()))
            parts = module.split(".")
            for i in range(1, len(parts)):  # Python runs each parent package first
                parent = _resolve(".".join(parts[:i]))
                if parent is not None:
                    todo.append(parent)
    return seen


def test_import_modelkit_loads_no_provider_requests_or_sqlite() -> None:
    loaded = import_time_closure("modelkit.__init__")
    assert not [m for m in loaded if m.startswith("modelkit.providers")]
    assert "requests" not in loaded and "urllib3" not in loaded
    assert "sqlite3" not in loaded


def test_the_checker_sees_a_cycle_and_an_upward_import() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(graph) == [{"a", "b", "c"}]
    assert layer_of("modelkit.model") > layer_of("modelkit._engine.run")


@pytest.mark.parametrize("package", sorted({_package_of(m) for m in MODULES}))
def test_every_package_says_what_it_owns(package: str) -> None:
    init = ROOT.parent / Path(*package.split(".")) / "__init__.py"
    assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), init
