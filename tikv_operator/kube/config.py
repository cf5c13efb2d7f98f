"""Building the one shared ApiClient: in-cluster service account, or a kubeconfig file."""

import os

from kubernetes_asyncio.client import ApiClient, Configuration
from kubernetes_asyncio.config import load_incluster_config, load_kube_config


async def new_api_client(kubeconfig: str | None = None, context: str | None = None) -> ApiClient:
    """An ApiClient for the in-cluster service account when running in a Pod and no kubeconfig
    is given; otherwise for `kubeconfig` (default: $KUBECONFIG, then ~/.kube/config)."""
    configuration = Configuration()
    if kubeconfig is None and context is None and "KUBERNETES_SERVICE_HOST" in os.environ:
        load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    else:
        await load_kube_config(
            config_file=kubeconfig or os.environ.get("KUBECONFIG") or None,
            context=context,
            client_configuration=configuration,
            persist_config=False,
        )
    return ApiClient(configuration)
