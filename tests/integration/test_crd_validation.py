"""The real API server enforces the generated CRDs: bad objects and changes the operator cannot
honour are refused on the field at fault with a message a user understands, and what a user
may rightly write is accepted.

The cases live in tests/unit/apis (bad_inputs, good_inputs, changes), where the models are
held to the same outcomes. Requests go through the client with `dryRun=All`, the equivalent
of `kubectl apply --dry-run=server`, so that the refusal's causes can be read field by field.
"""

from __future__ import annotations

import asyncio
import copy
import json
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from apis import GROUP, KINDS, VERSION, crd
from hack.localcluster import LocalCluster
from tests.unit.apis import samples
from tests.unit.apis.bad_inputs import BAD_INPUTS, BadInput
from tests.unit.apis.changes import BAD_CHANGES, GOOD_CHANGES, BadChange, Change
from tests.unit.apis.good_inputs import GOOD_INPUTS, GoodInput

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("crds")]

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(path for path in (REPO / "examples").iterdir() if path.is_dir())
INSTALL = REPO / "manifests" / "default"
SERVER_CHECKED = [case for case in BAD_INPUTS if case.server_message is not None]
PLURALS = {model.KIND: model.PLURAL for model in KINDS}
MERGE_PATCH = "application/merge-patch+json"
UNREADABLE = ("should match '", "regular expression", "evaluating rule", "no such overload")


@dataclass(frozen=True)
class Kube:
    """kubectl against the local control plane, in one test namespace."""

    cluster: LocalCluster
    namespace: str
    workdir: Path

    async def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(
            self.cluster.kubectl, "-n", self.namespace, *args, check=False
        )

    async def create(self, document: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        path = self.workdir / f"{uuid.uuid4().hex}.json"
        path.write_text(json.dumps(document))
        return await self.run("create", "-f", str(path))


@dataclass(frozen=True)
class Objects:
    """Our custom objects through the client, in one test namespace."""

    api: client.CustomObjectsApi
    namespace: str

    async def create(self, document: dict[str, Any], *, dry_run: bool = False) -> Any:
        return await self.api.create_namespaced_custom_object(
            GROUP,
            VERSION,
            self.namespace,
            PLURALS[document["kind"]],
            _without_namespace(document),
            dry_run="All" if dry_run else None,
        )

    async def patch(
        self, document: dict[str, Any], patch: dict[str, Any], *, dry_run: bool = False
    ) -> Any:
        return await self.api.patch_namespaced_custom_object(
            GROUP,
            VERSION,
            self.namespace,
            PLURALS[document["kind"]],
            document["metadata"]["name"],
            patch,
            dry_run="All" if dry_run else None,
            _content_type=MERGE_PATCH,
        )


@pytest.fixture
def kube(control_plane: LocalCluster, namespace: str, tmp_path: Path) -> Kube:
    return Kube(control_plane, namespace, tmp_path)


@pytest.fixture
async def objects(api_client: client.ApiClient, namespace: str) -> AsyncIterator[Objects]:
    yield Objects(client.CustomObjectsApi(api_client), namespace)


def _without_namespace(document: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(document)
    document["metadata"].pop("namespace", None)
    return document


async def _causes_of_refusal(request: Awaitable[Any]) -> list[dict[str, str]]:
    """The causes of the API server's 422 Invalid answer to `request`."""
    with pytest.raises(ApiException) as refused:
        await request
    assert refused.value.status == 422, refused.value.body
    status = json.loads(refused.value.body)
    causes: list[dict[str, str]] = status["details"]["causes"]
    # Words, not a regular expression to decode or a rule that failed to evaluate.
    unreadable = [
        cause for cause in causes if any(marker in cause["message"] for marker in UNREADABLE)
    ]
    assert not unreadable, causes
    return causes


def _assert_refused_on(causes: list[dict[str, str]], field: str, message: str) -> None:
    on_field = [cause["message"] for cause in causes if cause.get("field") == field]
    assert any(message in text for text in on_field), (
        f"expected {field!r} refused with {message!r}; the API server said: {causes}"
    )


@pytest.mark.parametrize("case", SERVER_CHECKED, ids=[case.name for case in SERVER_CHECKED])
async def test_api_server_refuses_bad_input_on_its_field(objects: Objects, case: BadInput) -> None:
    causes = await _causes_of_refusal(objects.create(case.document(), dry_run=True))
    assert case.server_field is not None and case.server_message is not None
    _assert_refused_on(causes, case.server_field, case.server_message)


@pytest.mark.parametrize("case", GOOD_INPUTS, ids=[case.name for case in GOOD_INPUTS])
async def test_api_server_accepts_good_input(objects: Objects, case: GoodInput) -> None:
    await objects.create(case.document(), dry_run=True)


@pytest.mark.parametrize("case", BAD_CHANGES, ids=[case.name for case in BAD_CHANGES])
async def test_api_server_refuses_change_the_operator_cannot_honour(
    objects: Objects, case: BadChange
) -> None:
    document = case.document()
    await objects.create(document)
    causes = await _causes_of_refusal(objects.patch(document, case.patch, dry_run=True))
    _assert_refused_on(causes, case.server_field, case.server_message)


@pytest.mark.parametrize("case", GOOD_CHANGES, ids=[case.name for case in GOOD_CHANGES])
async def test_api_server_accepts_change_the_operator_can_honour(
    objects: Objects, case: Change
) -> None:
    document = case.document()
    await objects.create(document)
    await objects.patch(document, case.patch, dry_run=True)


async def test_storage_grows_and_then_cannot_shrink_back(objects: Objects) -> None:
    group = samples.tikv_group()
    await objects.create(group)
    volumes = group["spec"]["template"]["spec"]["volumes"]

    def storage(size: str) -> dict[str, Any]:
        return {"spec": {"template": {"spec": {"volumes": [{**volumes[0], "storage": size}]}}}}

    await objects.patch(group, storage("30Gi"))
    causes = await _causes_of_refusal(objects.patch(group, storage("20Gi"), dry_run=True))
    _assert_refused_on(
        causes,
        "spec.template.spec.volumes[0].storage",
        "storage cannot shrink from 30Gi to 20Gi",
    )


@pytest.mark.parametrize("example", EXAMPLES, ids=[path.name for path in EXAMPLES])
async def test_api_server_accepts_the_example(kube: Kube, example: Path) -> None:
    result = await kube.run("apply", "--dry-run=server", "-f", str(example))
    assert result.returncode == 0, result.stderr
    result = await kube.run("apply", "-f", str(example))
    assert result.returncode == 0, result.stderr


async def test_api_server_fills_in_defaults(kube: Kube) -> None:
    group = _without_namespace(samples.tikv_group())
    assert (await kube.create(group)).returncode == 0
    result = await kube.run("get", "kvg/basic", "-o", "yaml")
    spec = yaml.safe_load(result.stdout)["spec"]
    assert spec["template"]["spec"]["image"] == "pingcap/tikv"
    assert spec["failover"]["storeDownTimeout"] == "30m"


@pytest.mark.parametrize("definition", crd.all_crds(), ids=crd.file_name)
async def test_crd_rules_fit_the_api_servers_cel_cost_budget(
    api_client: client.ApiClient, definition: dict[str, Any]
) -> None:
    # A CRD of another group, so the API server checks every rule afresh (an update of the
    # installed CRD would only check the rules that changed).
    fresh = copy.deepcopy(definition)
    fresh["spec"]["group"] = "cost.check.tikv.org"
    fresh["metadata"]["name"] = f"{fresh['spec']['names']['plural']}.cost.check.tikv.org"
    api = client.ApiextensionsV1Api(api_client)
    await api.create_custom_resource_definition(fresh, dry_run="All")


async def test_install_manifests_pass_a_client_dry_run(control_plane: LocalCluster) -> None:
    result = await asyncio.to_thread(
        control_plane.kubectl, "apply", "-k", str(INSTALL), "--dry-run=client", check=False
    )
    assert result.returncode == 0, result.stderr
