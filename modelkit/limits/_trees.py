"""The context variables limits nest in: the leaf limit of each kind in this context.

Each ``token_limit`` / ``cost_limit`` entered becomes the leaf of its
tree, its ``parent`` the leaf it replaced; a ``contextvars`` copy (a thread
started by ``generate_many``, ``generate_async``...) sees the same leaf.
``_limit`` pushes and pops; ``_observer`` reads the leaves through the
``Node`` protocol, so neither imports the other's module.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Optional

__all__ = ["Node", "Tree", "cost_tree", "token_suspended", "token_tree"]

if TYPE_CHECKING:
    from typing import Protocol

    from ..output import ModelUsage

    class Node(Protocol):
        """What the observer needs of a limit."""

        @property
        def parent(self) -> Optional[Node]:
            """The limit this one is nested in."""

        def record(self, usage: ModelUsage) -> None:
            """Record a call's ``usage`` in this limit and every limit around it."""

        def check(self, raise_for_equal: bool = False, recent: bool = False) -> None:
            """Raise ``LimitExceededError`` when this limit or one around it is exceeded."""

else:
    Node = Any


class Tree:
    """The leaf limit of one kind in the current context."""

    def __init__(self, name: str) -> None:
        self.leaf: ContextVar[Optional[Node]] = ContextVar(name, default=None)

    def push(self, node: Node) -> Optional[Node]:
        """Make ``node`` the leaf; returns the leaf it replaces (its parent)."""
        parent = self.leaf.get()
        self.leaf.set(node)
        return parent

    def pop(self) -> Optional[Node]:
        """Make the leaf's parent the leaf; returns the leaf removed."""
        node = self.leaf.get()
        if node is None:
            raise RuntimeError("Limit tree is empty. Cannot pop from an empty tree.")
        self.leaf.set(node.parent)
        return node


token_tree = Tree("modelkit_token_limit")
cost_tree = Tree("modelkit_cost_limit")
token_suspended: ContextVar[int] = ContextVar("modelkit_token_limit_suspended", default=0)
