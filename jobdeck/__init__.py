"""jobdeck: a keyboard-driven console for render farms and media services."""
__version__ = "0.1.0"
