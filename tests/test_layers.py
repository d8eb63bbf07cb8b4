"""The layers point one way: `models` imports nothing of ours, `retrieval` only `models`,
and only `bot` sees them all. Checked on the source with `ast`, not by importing."""

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("bot", "retrieval", "models")


def imported_modules(path: Path) -> set[str]:
    """Every module an `import` or `from … import` in `path` names (at any depth)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def ours(names: set[str]) -> set[str]:
    return {n for n in names if n.split(".")[0] in PACKAGES}


@pytest.mark.parametrize(
    ("package", "allowed"), [("models", {"models"}), ("retrieval", {"retrieval", "models"})]
)
def test_lower_layers_never_import_upper_ones(package, allowed):
    offending = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / package).glob("*.py"))
        for name in ours(imported_modules(path))
        if name.split(".")[0] not in allowed
    }
    assert offending == set()
