"""The `jobdeck` command (`main.py`) and its headless commands. Nothing here imports Textual:
`run`, `demo` and `replay` import the console when they start it."""
