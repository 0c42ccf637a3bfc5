#!/usr/bin/env bash
# make demo: builds the provider, starts the local emulated tenant, and runs init, plan and apply of
# examples/demo with the real CLI through a dev_overrides CLI configuration, then stops the emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

work=$(mktemp -d "${TMPDIR:-/tmp}/entra-demo.XXXXXX")
emulator_pid=""
cleanup() {
	if [[ -n "$emulator_pid" ]]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

cli=${DEMO_CLI:-}
if [[ -z "$cli" ]]; then
	if command -v terraform >/dev/null 2>&1; then cli=$(command -v terraform); else make --no-print-directory tofu; cli=$root/bin/tofu; fi
fi

say "Building the provider and the emulator"
go build -o "$work/plugins/terraform-provider-entra" .
go build -o "$work/entra-emulator" ./internal/emulator/cmd/entra-emulator

say "Starting the local emulated tenant"
"$work/entra-emulator" -env-file "$work/emulator.env" -state-dir "$work/emulator" -seed examples/demo/tenant.json >"$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 1 100); do [[ -s "$work/emulator.env" ]] && break; sleep 0.1; done
if [[ ! -s "$work/emulator.env" ]]; then cat "$work/emulator.log"; echo "the emulator did not start" >&2; exit 1; fi
set -a
# shellcheck disable=SC1091
source "$work/emulator.env"
set +a
echo "Microsoft Graph: $ARM_MSGRAPH_ENDPOINT   tenant: $ARM_TENANT_ID"

# The provider is found through dev_overrides, as a developer would test a local build.
cat >"$work/cli.tfrc" <<TFRC
provider_installation {
  dev_overrides {
    "registry.terraform.io/entra-tap/entra" = "$work/plugins"
  }
  direct {}
}
TFRC
export TF_CLI_CONFIG_FILE=$work/cli.tfrc
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

cp -R examples/demo "$work/config"
cd "$work/config"
say "$("$cli" version | head -n 1): init"
"$cli" init -input=false -no-color | grep -v '^$' || true
say "plan"
"$cli" plan -input=false -no-color -out=demo.tfplan
say "apply"
"$cli" apply -input=false -no-color demo.tfplan
say "What the provider did against the emulated tenant"
"$cli" output -no-color
curl -s --cacert "$ENTRA_EMULATOR_CA_FILE" "$ENTRA_EMULATOR_URL/_emulator/tenants/$ARM_TENANT_ID/counters" | sed 's/^/Graph requests: /'
echo
