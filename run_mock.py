#!/usr/bin/env python3
"""Run mockwx: ``python run_mock.py`` starts the mock with the demo tenant; ``--help`` for more."""

from mockwx.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
