from jobdeck.tui.cli.main import main

raise SystemExit(main())
