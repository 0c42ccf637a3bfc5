#!/usr/bin/env bash
# Runs `terraform test` (and `tofu test`) of every module under examples/ that has tests/*.tftest.hcl, against
# the local emulated tenant, as a module author would (docs/guides/testing-modules-offline.md): for each module
# and each CLI, a fresh emulator seeded with the module's tests/tenant.json (when there is one), its env file
# sourced, `init -backend=false` and `test -var-file=<the ids Graph assigned>` in a copy of the module. The
# provider is a build of this tree, found through dev_overrides. Modules are found afresh at every run.
#
#   scripts/test-modules.sh [MODULE_DIR...]      CLIs as in scripts/validate-examples.sh ($ENTRA_CLIS)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=scripts/lib/cli.sh
source scripts/lib/cli.sh

modules=("$@")
if ((${#modules[@]} == 0)); then
	mapfile -t modules < <(find examples -path '*/tests/*.tftest.hcl' -not -path '*/.terraform/*' -printf '%h\n' | sed 's@/tests$@@' | sort -u)
fi
if ((${#modules[@]} == 0)); then echo "no module under examples/ has tests/*.tftest.hcl"; exit 0; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/entra-module-tests.XXXXXX")
emulator_pid=""
stop_emulator() {
	if [[ -n "$emulator_pid" ]]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
	emulator_pid=""
}
trap 'stop_emulator; rm -rf "$work"' EXIT

mapfile -t clis < <(cli_list)
go build -o "$work/entra-emulator" ./internal/emulator/cmd/entra-emulator
dev_provider "$work"

failed=() passed=() skipped=()
for module in "${modules[@]}"; do
	for cli in "${clis[@]}"; do
		label=$(cli_describe "$cli")
		if [[ $label == Terraform* ]] && (($(vnum "${label#* }") < $(vnum 1.6.0))); then
			skipped+=("$module on $label: terraform test needs Terraform 1.6"); continue
		fi
		run=$work/run
		rm -rf "$run"
		mkdir -p "$run"
		cp -R "$module" "$run/module"
		find "$run/module" \( -name .terraform -o -name .terraform.lock.hcl -o -name 'terraform.tfstate*' \) -prune -exec rm -rf {} +

		seed=()
		if [[ -f "$module/tests/tenant.json" ]]; then seed=(-seed "$module/tests/tenant.json" -seed-tfvars "$run/seed.tfvars.json"); fi
		"$work/entra-emulator" -env-file "$run/emulator.env" -state-dir "$run/emulator" "${seed[@]}" >"$run/emulator.log" 2>&1 &
		emulator_pid=$!
		for _ in $(seq 1 300); do [[ -s "$run/emulator.env" ]] && break; kill -0 "$emulator_pid" 2>/dev/null || break; sleep 0.1; done
		if [[ ! -s "$run/emulator.env" ]]; then cat "$run/emulator.log"; echo "the emulator did not start" >&2; exit 1; fi

		var_file=()
		if [[ -f "$run/seed.tfvars.json" ]]; then var_file=(-var-file="$run/seed.tfvars.json"); fi
		t0=$(date +%s)
		echo "==> $module: $label test ($cli)"
		if (
			set -a
			# shellcheck disable=SC1091
			source "$run/emulator.env"
			set +a
			cd "$run/module"
			"$cli" init -backend=false -input=false -no-color >"$run/init.log" 2>&1 || { quiet_log "$run/init.log"; exit 1; }
			"$cli" test -no-color "${var_file[@]}" 2>&1 | tee "$run/test.log" | grep -vE 'development overrides|^ - registry|behavior may therefore|applying changes may|published releases|^\s*$|^Warning: Provider|^│ *$|^╷|^╵'
			exit "${PIPESTATUS[0]}"
		); then
			passed+=("$module on $label ($(($(date +%s) - t0))s)")
		else
			failed+=("$module on $label")
		fi
		stop_emulator
	done
done

echo
echo "==> module tests against the emulator"
if ((${#passed[@]})); then echo "passed:"; printf '  %s\n' "${passed[@]}"; fi
if ((${#skipped[@]})); then echo "skipped:"; printf '  %s\n' "${skipped[@]}"; fi
if ((${#failed[@]})); then echo "FAILED:"; printf '  %s\n' "${failed[@]}"; exit 1; fi
