# The benchmark harness is run on demand (python tests/bench/bench_delivery.py), never by pytest.
collect_ignore_glob = ["*"]
