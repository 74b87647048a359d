from jobdeck.tui.cli import main

raise SystemExit(main())
