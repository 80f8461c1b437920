"""Requests one part of the app makes of another, as typed values posted on the app state.

A panel never holds another panel: it posts ``ShowTab("Train")`` (or any request here) with
``state.post(...)``, and whoever handles that type (registered with ``state.handle``) acts.
Add a frozen dataclass here for each new kind of request.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShowTab:
    """Bring a notebook tab to the front, by its title ("Draw", "Train", ...)."""

    name: str
