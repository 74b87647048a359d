"""The console: a Textual app that polls every service in workers and shows what needs the
operator. Panes live in `widgets/` (each pane's whole story in one file), modal screens in
`screens/`. Only the console imports Textual; it reaches services through adapters only."""
