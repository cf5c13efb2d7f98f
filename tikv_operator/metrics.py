"""Every metric the operator exports, in one place.

Names and labels follow controller-runtime and client-go so that existing dashboards and
alerts for Go operators work unchanged; the `tikv_operator_*` metrics are our own.

Series per cluster are kept to what an SRE filters by cluster (request counts by status,
instance and store states); latency histograms are per API call only, since a histogram
per cluster is the bulk of the text at fleet size and `/metrics` is rendered on the event
loop the reconciles run on.
"""

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# client-go exports no `_created` series; prometheus_client would add one to every counter
# and histogram child.
disable_created_metrics()  # type: ignore[no-untyped-call]  # unannotated upstream

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_QUEUE_BUCKETS = tuple(10.0**e for e in range(-8, 4))

# controller-runtime: reconciles.
RECONCILE_TOTAL = Counter(
    "controller_runtime_reconcile_total",
    "Total number of reconciliations per controller",
    ["controller", "result"],
)
RECONCILE_ERRORS = Counter(
    "controller_runtime_reconcile_errors_total",
    "Total number of reconciliation errors per controller",
    ["controller"],
)
RECONCILE_TIME = Histogram(
    "controller_runtime_reconcile_time_seconds",
    "Length of time per reconciliation per controller",
    ["controller"],
    buckets=_LATENCY_BUCKETS,
)
ACTIVE_WORKERS = Gauge(
    "controller_runtime_active_workers",
    "Number of currently used workers per controller",
    ["controller"],
)
MAX_CONCURRENT_RECONCILES = Gauge(
    "controller_runtime_max_concurrent_reconciles",
    "Maximum number of concurrent reconciles per controller",
    ["controller"],
)

# client-go workqueue.
WORKQUEUE_DEPTH = Gauge("workqueue_depth", "Current depth of workqueue", ["name"])
WORKQUEUE_ADDS = Counter(
    "workqueue_adds_total", "Total number of adds handled by workqueue", ["name"]
)
WORKQUEUE_RETRIES = Counter(
    "workqueue_retries_total", "Total number of retries handled by workqueue", ["name"]
)
WORKQUEUE_QUEUE_DURATION = Histogram(
    "workqueue_queue_duration_seconds",
    "How long in seconds an item stays in workqueue before being requested",
    ["name"],
    buckets=_QUEUE_BUCKETS,
)
WORKQUEUE_WORK_DURATION = Histogram(
    "workqueue_work_duration_seconds",
    "How long in seconds processing an item from workqueue takes",
    ["name"],
    buckets=_QUEUE_BUCKETS,
)
WORKQUEUE_UNFINISHED_WORK = Gauge(
    "workqueue_unfinished_work_seconds",
    "How many seconds of work has been done that is in progress and hasn't been observed "
    "by work_duration",
    ["name"],
)
WORKQUEUE_LONGEST_RUNNING = Gauge(
    "workqueue_longest_running_processor_seconds",
    "How many seconds has the longest running processor for workqueue been running",
    ["name"],
)

# client-go: leader election and REST client.
LEADER_ELECTION_MASTER_STATUS = Gauge(
    "leader_election_master_status",
    "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, "
    "1 indicates master",
    ["name"],
)
REST_CLIENT_REQUESTS = Counter(
    "rest_client_requests_total",
    "Number of HTTP requests, partitioned by status code, method, and host",
    ["code", "method", "host"],
)
REST_CLIENT_LATENCY = Histogram(
    "rest_client_request_duration_seconds",
    "Request latency in seconds, broken down by verb",
    ["verb"],
    buckets=_LATENCY_BUCKETS,
)

# Our own: PD and the clusters we run.
PD_REQUESTS = Counter(
    "tikv_operator_pd_requests_total",
    "Requests sent to PD's HTTP API, by cluster, API call and HTTP status code",
    ["cluster", "api", "code"],
)
PD_REQUEST_DURATION = Histogram(
    "tikv_operator_pd_request_duration_seconds",
    "Latency of requests to PD's HTTP API, by API call over every cluster",
    ["api"],
    buckets=_LATENCY_BUCKETS,
)
TIKV_STATUS_REQUESTS = Counter(
    "tikv_operator_tikv_status_requests_total",
    "Requests sent to TiKV stores' status ports, by cluster, API call and HTTP status code",
    ["cluster", "api", "code"],
)
TIKV_STATUS_REQUEST_DURATION = Histogram(
    "tikv_operator_tikv_status_request_duration_seconds",
    "Latency of requests to TiKV stores' status ports, by API call over every cluster",
    ["api"],
    buckets=_LATENCY_BUCKETS,
)
FAILOVER_TOTAL = Counter(
    "tikv_operator_failover_total",
    "Replacement instances created by failover",
    ["namespace", "cluster", "component"],
)
TLS_CERTIFICATE_EXPIRY = Gauge(
    "tikv_operator_tls_certificate_expiration_timestamp_seconds",
    "When the certificate (tls.crt) of a TLS cluster's Secret expires, as a Unix time",
    ["namespace", "cluster", "secret"],
)
