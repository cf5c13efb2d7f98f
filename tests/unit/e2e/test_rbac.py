"""How the end-to-end tier reads the audit log and the roles (tests/e2e/rbac.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.rbac import Access, audit_events, forbidden, grants, requests_of, username

USER = username("ops")


def event(verb: str, ref: dict[str, str], code: int = 200, **extra: Any) -> dict[str, Any]:
    return {
        "auditID": extra.pop("audit_id", f"{verb}-{ref}-{code}"),
        "stage": extra.pop("stage", "ResponseComplete"),
        "verb": verb,
        "user": {"username": extra.pop("user", USER)},
        "objectRef": ref,
        "responseStatus": {"code": code},
        "requestURI": "/x",
        **extra,
    }


PODS = {"resource": "pods", "namespace": "ns", "name": "p", "apiVersion": "v1"}


def test_the_user_is_the_service_account_of_its_namespace() -> None:
    assert USER == "system:serviceaccount:ops:tikv-operator"


def test_a_subresource_is_named_after_its_resource_and_the_group_kept() -> None:
    status = {"resource": "tikvs", "subresource": "status", "apiGroup": "core.tikv.org"}
    (request,) = requests_of([event("patch", status)], USER)
    assert request.access == Access("core.tikv.org", "tikvs/status", "patch")


def test_a_watch_logged_when_it_starts_and_ends_is_one_request() -> None:
    started = event("watch", PODS, audit_id="w", stage="ResponseStarted")
    ended = event("watch", PODS, audit_id="w")
    assert len(requests_of([started, ended], USER)) == 1


def test_a_patch_that_created_its_object_is_a_create_too() -> None:
    accesses = {r.access for r in requests_of([event("patch", PODS, 201)], USER)}
    assert accesses == {Access("", "pods", "patch"), Access("", "pods", "create")}


def test_other_users_and_non_resource_requests_are_left_out() -> None:
    other = event("get", PODS, user="system:serviceaccount:x:tikv-operator")
    non_resource = {**event("get", PODS), "objectRef": None, "auditID": "n"}
    assert requests_of([other, non_resource], USER) == []


def test_a_refusal_is_a_403() -> None:
    requests = requests_of([event("get", PODS, 403), event("list", PODS)], USER)
    assert [r.access.verb for r in forbidden(requests)] == ["get"]


def test_grants_are_every_group_resource_verb_combination() -> None:
    rule = {"apiGroups": [""], "resources": ["pods", "services"], "verbs": ["get", "list"]}
    assert grants([rule]) == {
        Access("", resource, verb) for resource in ("pods", "services") for verb in ("get", "list")
    }


def test_a_wildcard_cannot_be_compared_and_is_refused() -> None:
    with pytest.raises(AssertionError):
        grants([{"apiGroups": [""], "resources": ["*"], "verbs": ["get"]}])


def test_the_log_is_read_from_an_offset_and_a_line_being_written_is_left_for_later(
    tmp_path: Path,
) -> None:
    log = tmp_path / "audit.log"
    first, second = (json.dumps(event("get", PODS, audit_id=i)) for i in ("1", "2"))
    log.write_text(f"{first}\n{second}\n{first[:10]}")
    offset = len(first) + 1
    assert [e["auditID"] for e in audit_events(log)] == ["1", "2"]
    assert [e["auditID"] for e in audit_events(log, offset)] == ["2"]
    assert list(audit_events(tmp_path / "missing.log")) == []
