"""``python -m mockwx``: the same command line as run_mock.py."""

from .cli import main

raise SystemExit(main())
