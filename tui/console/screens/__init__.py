"""Modal screens: help, detail, viewers, confirm, submit, history, mute. A screen that needs a
read asks for it by message; the App runs it beside the poller and answers by message."""
