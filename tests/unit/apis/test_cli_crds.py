from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from apis import crd
from tikv_operator import __version__
from tikv_operator.cmd.cli import main


def test_crds_prints_every_crd_as_one_yaml_stream(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crds"]) == 0
    printed = list(yaml.safe_load_all(capsys.readouterr().out))
    assert printed == crd.all_crds()


def test_crds_writes_one_file_per_crd(tmp_path: Path) -> None:
    assert main(["crds", "--output-dir", str(tmp_path / "crd")]) == 0
    written = sorted(path.name for path in (tmp_path / "crd").iterdir())
    assert written == [
        "core.tikv.org_clusters.yaml",
        "core.tikv.org_pdgroups.yaml",
        "core.tikv.org_pds.yaml",
        "core.tikv.org_tikvgroups.yaml",
        "core.tikv.org_tikvs.yaml",
    ]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"tikv-operator {__version__}\n"


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == 2
    assert "COMMAND" in capsys.readouterr().err
