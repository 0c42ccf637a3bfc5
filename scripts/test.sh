#!/usr/bin/env bash
# The whole suite: unit, emulator and acceptance tests. Acceptance tests run the real CLI against the
# in-process emulator. With $TF_ACC_TERRAFORM_PATH set, that CLI is used; otherwise the suite runs once with
# `terraform` (when installed) and once with OpenTofu built from tools/go.mod.
#
# ENTRA_LOAD_TEST=1 adds the load test (500 passes under throttling, about two minutes) to the first run;
# ENTRA_LOAD_TEST=all runs it on both CLIs. CI sets ENTRA_LOAD_TEST=1.
set -euo pipefail
cd "$(dirname "$0")/.."

export TF_ACC=1
# A CLI configuration file that does not exist only makes every command print a warning.
if [[ -n "${TF_CLI_CONFIG_FILE:-}" && ! -e "$TF_CLI_CONFIG_FILE" ]]; then unset TF_CLI_CONFIG_FILE; fi
flags=(-count=1 -timeout=45m ${GOTESTFLAGS:-})

# Figures worth seeing in the log (leak scans, the load test, the bad-input catalogue) are printed at the end.
export ENTRA_TEST_REPORT=${ENTRA_TEST_REPORT:-$(mktemp "${TMPDIR:-/tmp}/entra-test-report.XXXXXX")}
trap 'echo "==> figures"; cat "$ENTRA_TEST_REPORT" 2>/dev/null; rm -f "$ENTRA_TEST_REPORT"' EXIT

run() {
	local cli=$1; shift
	echo "==> $("$cli" version | grep -m1 -E "(Terraform|OpenTofu) v") ($cli): go test $*"
	TF_ACC_TERRAFORM_PATH=$cli go test "${flags[@]}" "$@"
}

if [[ -n "${TF_ACC_TERRAFORM_PATH:-}" ]]; then
	run "$TF_ACC_TERRAFORM_PATH" ./...
	exit 0
fi

# The Graph client's concurrency (shared reads, $batch, the coalescer) under the race detector, where cgo is here.
if [[ "$(go env CGO_ENABLED)" == 1 ]] && command -v "$(go env CC)" >/dev/null 2>&1; then
	echo "==> go test -race ./internal/graph/ ./internal/issuance/"
	go test -race "${flags[@]}" ./internal/graph/ ./internal/issuance/
fi

make --no-print-directory tofu
if command -v terraform >/dev/null 2>&1; then
	run "$(command -v terraform)" ./...
	# Only the packages that drive a CLI need the second run.
	if [[ "${ENTRA_LOAD_TEST:-}" != "all" ]]; then export ENTRA_LOAD_TEST=0; fi
	run "$PWD/bin/tofu" ./internal/provider/...
else
	echo "terraform is not installed: running the suite with OpenTofu only"
	run "$PWD/bin/tofu" ./...
fi
