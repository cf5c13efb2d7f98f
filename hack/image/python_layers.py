"""The operator's two Python layers, as root filesystem trees: its dependencies, then the
package itself (the layer that changes with every commit, so a push sends only it).

pip runs here, not in the image (which has no pip): it installs the operator's wheel into a
target directory with wheels chosen for the base's interpreter and glibc, at the versions of
this checkout's virtualenv, so the image runs what the tests ran. Each distribution's RECORD
then says which layer its files go to. The bytecode is compiled here too, hash-checked
rather than dated, since every file in these layers carries the same date.
"""

from __future__ import annotations

import compileall
import csv
import fnmatch
import importlib.metadata
import py_compile
import re
import shutil
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from hack.image.base import Interpreter
from hack.image.commands import ImageBuildError, log, run
from hack.image.spec import INTERPRETER, NAME, SCRIPTS_DIR, site_packages
from hack.localcluster import REPO

PIP = (sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet")


@dataclass(frozen=True)
class PythonTrees:
    dependencies: Path
    operator: Path
    version: str  # the operator's, from its wheel


def python_trees(work: Path, interpreter: Interpreter) -> PythonTrees:
    """Build the operator's wheel and lay out the two layers' trees under `work`."""
    if sys.implementation.cache_tag != interpreter.cache_tag:
        raise ImageBuildError(
            f"the image's python3 reads {interpreter.cache_tag} bytecode, but the build runs "
            f"on {sys.implementation.cache_tag}: make the virtualenv with Python "
            f"{interpreter.version} (make clean install PYTHON=python{interpreter.version})"
        )
    wheel = _operator_wheel(work / "wheel")
    target = work / "target"
    log(f"installing {wheel.name} and its dependencies for glibc {interpreter.glibc}")
    run([*PIP, "install", *_for_image(interpreter, work), "--target", target, wheel])
    trees = PythonTrees(work / "dependencies", work / "operator", _version(target))
    site = site_packages(interpreter.version)
    _forget_the_build_machine(target)
    _split(target, site, trees)
    for tree in (trees.dependencies, trees.operator):
        _compile(tree, site)
    return trees


def _operator_wheel(out: Path) -> Path:
    """The operator's wheel, built from a copy of exactly what setuptools packages: setuptools
    builds in place and would also package whatever an earlier build left in build/lib."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    source = out / "source"
    source.mkdir(parents=True)
    for name in ("pyproject.toml", pyproject["project"]["readme"]):
        shutil.copy2(REPO / name, source / name)
    for package in sorted(REPO.iterdir()):
        if (package / "__init__.py").exists() and any(
            fnmatch.fnmatch(package.name, p) for p in patterns
        ):
            shutil.copytree(
                package, source / package.name, ignore=shutil.ignore_patterns("__pycache__")
            )
    run([*PIP, "wheel", "--no-deps", "--wheel-dir", out, source])
    (wheel,) = out.glob("*.whl")
    return wheel


def _for_image(interpreter: Interpreter, work: Path) -> list[str]:
    """pip's options for wheels the base's interpreter runs, at the virtualenv's versions."""
    constraints = work / "constraints.txt"
    constraints.write_text(run([*PIP, "freeze", "--exclude-editable"]))
    return [
        "--no-compile",
        "--only-binary=:all:",
        "--implementation=cp",
        f"--python-version={interpreter.version}",
        f"--abi={interpreter.abi}",
        *(f"--platform={p}" for p in manylinux_platforms(interpreter.glibc, interpreter.machine)),
        f"--constraint={constraints}",
    ]


# The manylinux versions that had a name of their own before PEP 600.
LEGACY_MANYLINUX = {(2, 17): "manylinux2014", (2, 12): "manylinux2010", (2, 5): "manylinux1"}


def manylinux_platforms(glibc: str, machine: str) -> list[str]:
    """Every manylinux platform tag a glibc of version `glibc` runs, newest first: pip, given
    one --platform, takes only wheels tagged with exactly that one."""
    major, minor = (int(part) for part in glibc.split("."))
    platforms = []
    for version in range(minor, 4, -1):
        platforms.append(f"manylinux_{major}_{version}_{machine}")
        if (major, version) in LEGACY_MANYLINUX:
            platforms.append(f"{LEGACY_MANYLINUX[major, version]}_{machine}")
    return platforms


def _version(target: Path) -> str:
    (operator,) = (
        d for d in importlib.metadata.distributions(path=[str(target)]) if _is_operator(d)
    )
    return operator.version


def _is_operator(distribution: importlib.metadata.Distribution) -> bool:
    return re.sub(r"[-_.]+", "-", distribution.metadata["Name"]).lower() == NAME


def _forget_the_build_machine(target: Path) -> None:
    """Drop what records this build rather than the packages, with its lines in RECORD, so
    that equal builds give equal layers wherever they run: the scripts pip wrote into
    target/bin (they start with the build's interpreter; the operator's are written for the
    image's in _split) and direct_url.json (where pip found a wheel given by path, this
    build's temporary directory)."""
    shutil.rmtree(target / "bin", ignore_errors=True)
    for url in target.glob("*.dist-info/direct_url.json"):
        url.unlink()
    for record in target.glob("*.dist-info/RECORD"):
        lines = record.read_text().splitlines(keepends=True)
        record.write_text("".join(line for line in lines if not _of_the_build(line)))


def _of_the_build(record_line: str) -> bool:
    (path, *_) = next(csv.reader([record_line]))
    return path.startswith("../") or path.endswith(".dist-info/direct_url.json")


def _split(target: Path, site: str, trees: PythonTrees) -> None:
    """Move each distribution's files (its RECORD) from pip's target into its layer's tree,
    and write the operator's console scripts for the image's interpreter."""
    # Everything is read before anything moves: a Distribution reads its files when asked.
    distributions = list(importlib.metadata.distributions(path=[str(target)]))
    records = [(_is_operator(d), list(d.files or ())) for d in distributions]
    (operator,) = (d for d in distributions if _is_operator(d))
    scripts = operator.entry_points.select(group="console_scripts")
    if not scripts:
        raise ImageBuildError(f"{NAME} declares no console script to run it by")
    for is_operator, files in records:
        tree = trees.operator if is_operator else trees.dependencies
        for file in files:
            destination = tree / site / file
            destination.parent.mkdir(parents=True, exist_ok=True)
            (target / file).rename(destination)
    left = sorted(str(p.relative_to(target)) for p in target.rglob("*") if not p.is_dir())
    if left:
        raise ImageBuildError(f"files no distribution records: {', '.join(left[:10])}")
    (trees.operator / SCRIPTS_DIR).mkdir(parents=True)
    for entry in scripts:
        script = trees.operator / SCRIPTS_DIR / entry.name
        script.write_text(
            f"#!{INTERPRETER}\nimport sys\n\nimport {entry.module}\n\n"
            f"sys.exit({entry.module}.{entry.attr}())\n"
        )
        script.chmod(0o755)


def _compile(tree: Path, site: str) -> None:
    """Bytecode beside the sources, naming them by their path in the image (tracebacks)."""
    ok = compileall.compile_dir(
        tree / site,
        ddir=f"/{site}",
        quiet=1,
        workers=0,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    if not ok:
        raise ImageBuildError(f"compiling the bytecode under {tree / site} failed")
