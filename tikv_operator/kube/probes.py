"""Named health checks behind /healthz and /readyz, answered in the API server's style."""

from collections.abc import Callable

from tikv_operator.kube.endpoints import Response, Route

Check = Callable[[], bool]


class Probes:
    def __init__(self) -> None:
        self._liveness: dict[str, Check] = {"ping": lambda: True}
        self._readiness: dict[str, Check] = {}

    def add_liveness(self, name: str, check: Check) -> None:
        self._liveness[name] = check

    def add_readiness(self, name: str, check: Check) -> None:
        self._readiness[name] = check

    def routes(self) -> dict[str, Route]:
        return {
            "/healthz": lambda: _answer(self._liveness),
            "/readyz": lambda: _answer(self._readiness),
        }


def _answer(checks: dict[str, Check]) -> Response:
    results = {name: _passes(check) for name, check in checks.items()}
    lines = [
        f"[{'+' if ok else '-'}]{name} {'ok' if ok else 'failed'}" for name, ok in results.items()
    ]
    healthy = all(results.values())
    lines.append("ok" if healthy else "check failed")
    return Response(200 if healthy else 500, ("\n".join(lines) + "\n").encode())


def _passes(check: Check) -> bool:
    try:
        return check()
    except Exception:
        return False
