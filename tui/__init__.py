"""What the operator runs: the console and the headless commands.

- `console/`: the Textual app, its panes (`widgets/`), screens, keymap, poller and stylesheet.
  Imported only by `jobdeck run`, `jobdeck demo` and `jobdeck replay`.
- `cli/`: the `jobdeck` command and every headless command (snapshot, act, blocks, watch,
  config, sim serve...). It imports no Textual module; the console is imported lazily by the
  three commands that open it.
- `safe_text.py`: the one way in for text a service sent, used by both.
Both import `adapters/core` and `adapters/contract`; neither is imported by them.
"""
