"""Real pd-server accepts every pd.toml the operator generates (`pd-server --config-check`).

Each config is generated the way the operator generates it: the PDGroup of examples/basic
(with the case's template changes) gives a PD instance through the PDGroup builder, and the
PD builder gives its pd.toml and its Pod. pd-server is then run with the Pod's own command
line, the config path rewritten to a file holding the generated pd.toml, plus
`--config-check`.

pd-server answers `--config-check` on stdout and exits 0 whatever it finds: a config it
rejects prints the error (`-initial-cluster and -join can not be provided at the same
time`), one with keys it does not know prints `Config contains undefined item: ...`, and only
an accepted one prints `config check successful`. So that line is what is checked, and any
other answer fails the test with pd-server's own words. What it checks: TOML types, unknown
keys, the join URL, the log directory against the data directory, the schedule and
replication sections; not the initial cluster's URLs, which etcd checks only at start.
"""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from apis import PD, PDGroup
from controllers.common.tls import InstanceTLS
from controllers.pd.build import CONFIG_DIR, CONFIG_FILE, build_config, build_pod
from controllers.pdgroup.build import build_instance, new_instance_name
from tests.pd_fixtures import free_port, pd_server_binary
from tests.pki import PKI, new_pki
from tikv_operator.pdapi import PDClient, PDError
from tikv_operator.tls import ClientTLS

pytestmark = pytest.mark.pdserver

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "basic" / "pd-group.yaml"
ACCEPTED = "config check successful"

# User config a PDGroup may carry: every value type TOML has, tables nested two deep.
USER_CONFIG = """\
lease = 5
tick-interval = "500ms"

[log]
level = "warn"

[log.file]
max-days = 7

[replication]
max-replicas = 3
location-labels = ["zone", "host"]
enable-placement-rules = true

[schedule]
max-store-down-time = "30m"
leader-schedule-limit = 8
region-schedule-limit = 2048
high-space-ratio = 0.7
enable-cross-table-merge = true

[pd-server]
flow-round-by-digit = 3

[dashboard]
enable-telemetry = false
"""


def pd_group(**template_spec: Any) -> PDGroup:
    """The PDGroup of examples/basic with `template_spec` merged into its template's spec."""
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["metadata"] |= {"namespace": "ns", "uid": "g-uid", "generation": 1}
    doc["spec"]["template"]["spec"] |= template_spec
    return PDGroup.model_validate(doc)


@dataclass
class Generated:
    """A PD instance's pd.toml and the command line its Pod runs pd-server with."""

    config: str
    command: list[str]

    @property
    def values(self) -> dict[str, Any]:
        return tomllib.loads(self.config)


def generate(group: PDGroup, *, bootstrap: bool, tls: InstanceTLS | None = None) -> Generated:
    """What the operator generates for a new member: one of the three that bootstrap the
    cluster together (`initial-cluster`), or a later one (`join`); in a TLS cluster with
    `tls`."""
    names = sorted(new_instance_name(group) for _ in range(3))
    pd = PD.model_validate(build_instance(group, names[0], "rev", {}, names if bootstrap else None))
    config = build_config(pd, tls)
    container = build_pod(pd, config, tls)["spec"]["containers"][0]
    return Generated(config, [*container["command"], *container.get("args", [])])


def config_check(binary: Path, workdir: Path, generated: Generated) -> str:
    """pd-server's answer to `--config-check` on `generated`, run as the Pod runs it."""
    path = workdir / CONFIG_FILE
    path.write_text(generated.config)
    program, *args = generated.command
    assert Path(program).name == "pd-server", f"the Pod does not run pd-server: {program}"
    args = [a.replace(f"{CONFIG_DIR}/", f"{workdir}/") for a in args]
    # Without this the check would pass on PD's defaults, never having read the config.
    assert f"--config={path}" in args, f"the Pod does not pass pd-server {CONFIG_DIR}: {args}"
    done = subprocess.run(
        [str(binary), *args, "--config-check"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return (done.stdout + done.stderr).strip() or f"no answer (exit code {done.returncode})"


def assert_accepted(binary: Path, workdir: Path, generated: Generated) -> None:
    answer = config_check(binary, workdir, generated)
    if answer != ACCEPTED:
        pytest.fail(
            f"pd-server rejects the generated pd.toml: {answer}\n--- pd.toml\n{generated.config}",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def pd_server() -> Path:
    return pd_server_binary()


def test_a_bootstrapping_member_config_is_accepted(pd_server: Path, tmp_path: Path) -> None:
    generated = generate(pd_group(), bootstrap=True)
    assert len(generated.values["initial-cluster"].split(",")) == 3
    assert "join" not in generated.values
    assert_accepted(pd_server, tmp_path, generated)


def test_a_joining_member_config_is_accepted(pd_server: Path, tmp_path: Path) -> None:
    generated = generate(pd_group(), bootstrap=False)
    assert generated.values["join"] == "http://basic-pd.ns:2379"
    assert "initial-cluster" not in generated.values
    assert_accepted(pd_server, tmp_path, generated)


@pytest.mark.parametrize("bootstrap", [True, False], ids=["bootstrap", "join"])
def test_a_config_with_user_config_merged_is_accepted(
    bootstrap: bool, pd_server: Path, tmp_path: Path
) -> None:
    generated = generate(pd_group(config=USER_CONFIG), bootstrap=bootstrap)
    values = generated.values
    assert values["log"] == {"level": "warn", "file": {"max-days": 7}}
    assert values["replication"]["location-labels"] == ["zone", "host"]
    assert values["schedule"]["high-space-ratio"] == 0.7
    assert values["name"].startswith("basic-pd-")
    assert_accepted(pd_server, tmp_path, generated)


def test_a_data_volume_mounted_elsewhere_is_accepted(pd_server: Path, tmp_path: Path) -> None:
    volumes = [{"name": "data", "mounts": [{"type": "data", "mountPath": "/pd"}], "storage": "1Gi"}]
    generated = generate(pd_group(volumes=volumes), bootstrap=True)
    assert generated.values["data-dir"] == "/pd"
    assert_accepted(pd_server, tmp_path, generated)


@pytest.mark.parametrize(
    ("user_config", "message"),
    [
        (
            '[log.file]\nfilename = "/var/lib/pd/log/pd.log"\n',
            "log directory shouldn't be the subdirectory of data directory",
        ),
        (
            "[schedule]\nno-such-limit = 1\n",
            "Config contains undefined item: schedule.no-such-limit",
        ),
        (
            '[replication]\nmax-replicas = "three"\n',
            "toml: cannot load TOML value of type string into a Go integer",
        ),
    ],
    ids=["log-in-data-dir", "unknown-key", "wrong-type"],
)
def test_a_config_pd_server_rejects_fails_with_its_message(
    user_config: str, message: str, pd_server: Path, tmp_path: Path
) -> None:
    """The operator passes these user configs through; pd-server is what refuses them."""
    generated = generate(pd_group(config=user_config), bootstrap=False)
    with pytest.raises(pytest.fail.Exception) as failed:
        assert_accepted(pd_server, tmp_path, generated)
    assert f"pd-server rejects the generated pd.toml: {message}\n" in str(failed.value)


def tls_files(pki: PKI, directory: Path) -> InstanceTLS:
    """The group's Secret as the Pod sees it: its three files in one directory."""
    directory.mkdir()
    server = pki.issue("pd", ["IP:127.0.0.1", "DNS:localhost"])
    for key, path in (("ca.crt", pki.ca), ("tls.crt", server.cert), ("tls.key", server.key)):
        (directory / key).write_bytes(path.read_bytes())
    return InstanceTLS("basic-pd-cluster-secret", str(directory))


@pytest.mark.parametrize("bootstrap", [True, False], ids=["bootstrap", "join"])
def test_a_tls_config_is_accepted(bootstrap: bool, pd_server: Path, tmp_path: Path) -> None:
    tls = tls_files(new_pki(tmp_path / "pki"), tmp_path / "tls")
    generated = generate(pd_group(), bootstrap=bootstrap, tls=tls)
    values = generated.values
    assert values["security"] == {
        "cacert-path": tls.ca_path,
        "cert-path": tls.cert_path,
        "key-path": tls.key_path,
    }
    urls = [values[k] for k in ("client-urls", "peer-urls", "advertise-client-urls")]
    urls.append(values["initial-cluster"] if bootstrap else values["join"])
    assert all("https://" in url and "http://" not in url for url in urls), urls
    assert_accepted(pd_server, tmp_path, generated)


@dataclass
class TLSPDServer:
    process: subprocess.Popen[bytes]
    url: str
    name: str
    pki: PKI
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text()[-3000:] if self.log.exists() else "(no log)"


@pytest.fixture
def tls_pd_server(pd_server: Path, tmp_path: Path) -> Iterator[TLSPDServer]:
    """pd-server started on the generated pd.toml of a TLS cluster: its mount directory the
    test's, and its listen and advertise URLs on loopback (the cluster's names do not
    resolve here), so what is under test is the `[security]` section and https."""
    pki = new_pki(tmp_path / "pki")
    generated = generate(pd_group(), bootstrap=True, tls=tls_files(pki, tmp_path / "tls"))
    config = tmp_path / CONFIG_FILE
    config.write_text(generated.config)
    client_url = f"https://127.0.0.1:{free_port()}"
    peer_url = f"https://127.0.0.1:{free_port()}"
    name = generated.values["name"]
    log = tmp_path / "pd.log"
    loopback = [
        f"--client-urls={client_url}",
        f"--peer-urls={peer_url}",
        f"--advertise-client-urls={client_url}",
        f"--advertise-peer-urls={peer_url}",
        f"--initial-cluster={name}={peer_url}",
        f"--data-dir={tmp_path / 'data'}",
        f"--log-file={log}",
    ]
    process = subprocess.Popen([str(pd_server), f"--config={config}", *loopback], cwd=tmp_path)
    try:
        yield TLSPDServer(process, client_url, name, pki, log)
    finally:
        process.terminate()
        process.wait(timeout=30)


async def test_pd_server_serves_the_generated_tls_config_to_the_operators_client(
    tls_pd_server: TLSPDServer,
) -> None:
    """It serves https, answers the operator's client presenting a certificate the CA
    signed, and refuses a client without one."""
    server = tls_pd_server
    operator_tls = ClientTLS.from_secret_data(server.pki.secret_data(server.pki.issue("op")))
    async with PDClient(server.url, cluster="ns/basic", tls=operator_tls) as pd:
        deadline = time.monotonic() + 60
        while True:
            try:
                members = await pd.get_members()
                break
            except PDError:
                if server.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"pd-server did not serve TLS:\n{server.log_tail()}")
                await asyncio.sleep(0.5)
    assert [m.name for m in members.members] == [server.name]
    assert list(members.members[0].client_urls) == [server.url]
    trusting = ssl.create_default_context(cafile=str(server.pki.ca))
    async with httpx.AsyncClient(verify=trusting, timeout=5) as anonymous:
        # TLS 1.3 reports the missing certificate after the handshake, on the first read.
        with pytest.raises((httpx.HTTPError, ssl.SSLError), match="CERTIFICATE_REQUIRED"):
            await anonymous.get(f"{server.url}/pd/api/v1/members")
