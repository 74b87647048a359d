"""Everything jobdeck knows about services, with no Textual anywhere below this folder.

- `contract/`: the shared model, the Adapter base class with its options, actions and submit
  fields, the one HTTP transport, paging and value helpers, and the registry of kinds. It
  imports nothing else of jobdeck.
- `<kind>/` (renderbus, finalrip, eva, enhance, ntv, nginx_rtmp): one service's whole story:
  client.py (signing, one method per endpoint), adapter.py (the service onto the model), sim.py
  (a stateful simulator). A kind imports the contract and `simulation/`, never another kind.
- `simulation/`: what every simulator shares (one request/response shape served in-process or
  over loopback HTTP, faults, form parsing). Imported by simulators only.
- `core/`: the application core shared by the console and the headless commands: config, the
  state directory, the command table, the on-call engine, alerts and hooks, the history store.
  It imports the contract (and the registry's kinds through it), never the console.
"""
