from tfdojo.cli import main

raise SystemExit(main())
