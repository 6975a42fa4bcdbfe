"""One registry type for everything the course looks up by name: activations, initialisation
schemes, constructions. One look-up, one error message for an unknown name.

    reg = Registry("activation", items, kind_of=Activation)
    reg.get("tanh")      -> the item; an item of type ``kind_of`` passes through unchanged
    reg["tanh"], "tanh" in reg, list(reg), len(reg), reg.keys(), reg.items()

An unknown name raises ``UnknownName`` (a ``KeyError``) whose message lists the known names.
The message is in English (numerics hold no Russian text); the checks and explorers that show
it to a student translate it (``initlab.text``).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping


class UnknownName(KeyError):
    """A name that is not in a registry. ``.kind``, ``.name`` and ``.known`` for callers."""

    def __init__(self, kind: str, name, known: list[str]):
        self.kind, self.name, self.known = kind, name, known
        super().__init__(f"unknown {kind} {name!r}; known: {', '.join(known)}")

    def __str__(self) -> str:          # KeyError would quote the message
        return self.args[0]


class Registry(Mapping):
    """An ordered, read-only mapping name → item with one ``get`` that explains a miss."""

    def __init__(self, kind: str, items: Mapping | None = None, kind_of: type | None = None):
        self.kind = kind
        self.kind_of = kind_of
        self._items: dict = dict(items or {})

    def register(self, name: str, item) -> None:
        """Add ``item`` under ``name`` (used where a registry is built incrementally)."""
        if name in self._items:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._items[name] = item

    def get(self, key, default=None):   # Mapping.get with the registry's error
        if self.kind_of is not None and isinstance(key, self.kind_of):
            return key
        try:
            return self._items[key]
        except (KeyError, TypeError):
            if default is not None:
                return default
            raise UnknownName(self.kind, key, list(self._items)) from None

    def __getitem__(self, key):
        return self.get(key)

    def __iter__(self) -> Iterator:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {list(self._items)})"
