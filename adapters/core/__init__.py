"""The application core: what the console and the headless commands share, with no UI.

Config (`config.py`), the state directory and audit log (`state.py`), the command table behind
keys, palette and help (`commands.py`), the on-call engine: transitions, attention, mutes
(`oncall.py`), alert rules (`alerts.py`) and the hook runner (`hooks.py`), the services made
from config and polled (`services.py`), submit values (`submit_values.py`), the demo's wiring
(`demo.py`), and the history store: what is recorded and read back (`history.py`), figures over
time for the trends and the report (`trends.py`), a shift in figures for `report`
(`handover.py`) and the recorded past as a timeline for `replay` (`replay.py`).
It imports the contract only; the console (`tui/console/`) and the headless commands
(`tui/cli/`) import it. tests/core/test_layers.py fails any import the other way.
"""
