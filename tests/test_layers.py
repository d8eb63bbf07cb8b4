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


def test_private_members_of_libraries_are_read_in_one_place_only():
    """`x._name` where x is not `self`/`cls` reaches into another object's internals; the one
    place allowed is chromadb's system cache (no public API; see its comment)."""
    found = []
    for path in sorted(ROOT.glob("*/*.py")):
        if path.parent.name not in PACKAGES + ("scripts",):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = [range(f.lineno, f.end_lineno + 1) for f in ast.walk(tree)
                   if isinstance(f, ast.FunctionDef) and f.name == "forget_chroma_system"]
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                    and not node.attr.startswith("__")
                    and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
                    and not any(node.lineno in lines for lines in allowed)):  # fmt: skip
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)}")
    assert found == []
