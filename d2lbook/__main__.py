from d2lbook.cli import main

raise SystemExit(main())
