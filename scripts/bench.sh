#!/usr/bin/env bash
# make bench: Go benchmarks of the hot pure functions and of one pass through the provider protocol, then
# the real-CLI harness (internal/bench/cmd/bench): the emulator with 30 ms latency per request, generated
# configurations of 1, 50, 200 and 1000 passes and the policy alone, one apply each. Timings live here,
# never in tests. Arguments go to the harness, e.g. `make bench ARGS="-sizes 200 -latency 50ms"`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v terraform >/dev/null 2>&1; then
	echo "make bench drives the terraform CLI (OpenTofu opens an ephemeral resource while applying only when a change needs it)" >&2
	exit 1
fi
echo "==> Go benchmarks"
go test -run '^$' -bench . -benchmem ./internal/tap ./internal/provider ./internal/acctest
echo
echo "==> terraform apply against the emulator"
go run ./internal/bench/cmd/bench ${ARGS:-}
