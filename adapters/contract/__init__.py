"""The adapter contract: what every kind implements and the console and commands rely on.

The model (`model.py`), the Adapter base with its declared options, actions and submit fields
(`base.py`, `options.py`), the one HTTP transport (`http.py`), helpers for the shapes services
send (`paging.py`, `values.py`, `jsonsafe.py`) and the registry of kinds (`registry.py`, which
imports a kind only when asked). Any module of jobdeck may import this package; it imports no
other part of jobdeck, and no UI.
"""
