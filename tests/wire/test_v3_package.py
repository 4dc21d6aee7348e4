"""mockwx.wire.v3 as a package: a leaf the reference merchant can use as its SDK, with an explicit public API."""

from __future__ import annotations

import ast
from pathlib import Path

import mockwx.wire.v3 as v3

WIRE = Path(v3.__file__).resolve().parent.parent


def test_wire_imports_nothing_from_the_rest_of_mockwx():
    for path in WIRE.rglob("*.py"):
        package = path.relative_to(WIRE.parent.parent).with_suffix("").parts[:-1]  # ("mockwx", "wire", ...)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                target = package[: len(package) - node.level + 1]
                assert target[:2] == ("mockwx", "wire"), f"{path.name} imports from {'.'.join(target)}"
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                for name in names:
                    assert not name.startswith("mockwx") or name.startswith("mockwx.wire"), f"{path.name}: {name}"


def test_public_api_is_sorted_and_complete():
    def group(name: str) -> int:
        return 0 if name.isupper() else 1 if name[0].isupper() else 2

    assert v3.__all__ == sorted(v3.__all__, key=lambda n: (group(n), n))
    assert all(hasattr(v3, name) for name in v3.__all__)
