"""The console's panes. A pane gets what it needs through its constructor and messages and
never looks at the App: it posts what the operator asked for, the App answers."""
