from vanceqa.cli import main

raise SystemExit(main())
