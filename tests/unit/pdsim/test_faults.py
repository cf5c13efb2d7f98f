from hack.pdsim.faults import Fault, Faults


def test_fault_matches_path_prefix_and_method() -> None:
    fault = Fault(path="/store", method="DELETE")
    assert fault.matches("DELETE", "/store/4")
    assert not fault.matches("GET", "/store/4")
    assert not fault.matches("DELETE", "/members")


def test_fault_with_times_disappears_after_its_hits() -> None:
    faults = Faults()
    faults.add(Fault(path="/members", status=500, times=2))
    hits = [faults.take("GET", "/members") for _ in range(3)]
    assert [h is not None for h in hits] == [True, True, False]


def test_fault_from_json_ignores_unknown_keys() -> None:
    assert Fault.from_json({"path": "/x", "latency": 0.5, "bogus": 1}) == Fault("/x", latency=0.5)
