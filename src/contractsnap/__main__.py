from contractsnap.cli import main

raise SystemExit(main())
