from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from apis import KINDS, PDGroup, TiKVGroup

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
MODELS = {model.KIND: model for model in KINDS}
FILES = sorted(EXAMPLES.rglob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(EXAMPLES)) for p in FILES])
def test_example_parses_into_its_model(path: Path) -> None:
    for document in yaml.safe_load_all(path.read_text()):
        assert MODELS[document["kind"]].model_validate(document).to_dict() == document


def test_basic_example_is_three_pd_and_three_tikv_of_one_cluster() -> None:
    basic = EXAMPLES / "basic"
    pd = PDGroup.model_validate(yaml.safe_load((basic / "pd-group.yaml").read_text()))
    tikv = TiKVGroup.model_validate(yaml.safe_load((basic / "tikv-group.yaml").read_text()))
    assert (pd.spec.replicas, tikv.spec.replicas) == (3, 3)
    assert pd.spec.cluster.name == tikv.spec.cluster.name == "basic"
    assert pd.spec.template.spec.version == "v8.5.1"
    assert pd.spec.template.spec.volumes[0].storage == "20Gi"
