"""models/ imports neither connectors nor curation, and does no file I/O outside create_model."""

import ast
from pathlib import Path

import models

ROOT = Path(models.__file__).parent
FILE_IO_ALLOWED = {"registry.py"}  # create_model may load a spec JSON path


def _sources():
    return sorted(p for p in ROOT.rglob("*.py"))


def test_no_forbidden_imports():
    offenders = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {"connectors", "curation", "os"}]
    assert offenders == []


def test_no_file_io_outside_the_registry():
    offenders = []
    for path in _sources():
        if path.name in FILE_IO_ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
                if name in {"open", "read_text", "write_text", "read_bytes", "write_bytes", "load", "save"}:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert offenders == []
