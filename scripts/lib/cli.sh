# Shared by scripts/validate-examples.sh and scripts/test-modules.sh (sourced, not run).

# cli_list: the CLIs to run configurations with, one path a line: `terraform` on PATH, OpenTofu (bin/tofu,
# built from tools/go.mod), and a newer Terraform for what needs one ($TERRAFORM_NEW, else
# ../shared/tools/terraform-1.15.9/terraform when it exists). $ENTRA_CLIS (space-separated) replaces the list.
cli_list() {
	if [[ -n "${ENTRA_CLIS:-}" ]]; then tr ' ' '\n' <<<"$ENTRA_CLIS" | grep .; return; fi
	if command -v terraform >/dev/null 2>&1; then command -v terraform; fi
	make --no-print-directory tofu >/dev/null
	echo "$PWD/bin/tofu"
	local newer=${TERRAFORM_NEW:-$PWD/../shared/tools/terraform-1.15.9/terraform}
	if [[ -x "$newer" ]]; then echo "$(cd "$(dirname "$newer")" && pwd)/$(basename "$newer")"; fi
}

# cli_describe CLI: prints "Terraform 1.11.4" or "OpenTofu 1.12.6".
cli_describe() {
	local line
	# awk reads everything: grep -m1 would close the pipe early, and pipefail would see the CLI's SIGPIPE.
	line=$(TF_CLI_CONFIG_FILE=/dev/null "$1" version 2>/dev/null | awk '/^(Terraform|OpenTofu) v/ && !n++')
	[[ -n "$line" ]] || return 1
	echo "${line%% *} ${line##* v}"
}

# vnum 1.11.4 -> 1011004, for comparisons.
vnum() { local IFS=.; local -a p; read -r -a p <<<"${1%%-*}"; echo $((${p[0]:-0} * 1000000 + ${p[1]:-0} * 1000 + ${p[2]:-0})); }

# dev_provider WORKDIR: builds the provider from this tree into WORKDIR/plugins and writes WORKDIR/cli.tfrc,
# a CLI configuration that finds it through dev_overrides. Terraform before 1.14 and OpenTofu still install
# overridden providers at init, so a filesystem mirror holds the same build as version 0.0.1 (as in
# scripts/demo.sh): a configuration that constrains the provider's version must admit it. Nothing comes from
# a registry. Exports TF_CLI_CONFIG_FILE and the variables that keep the CLI quiet.
dev_provider() {
	local work=$1 platform
	mkdir -p "$work/plugins"
	go build -o "$work/plugins/terraform-provider-entra" .
	platform=$(go env GOOS)_$(go env GOARCH)
	mkdir -p "$work/mirror/registry.terraform.io/entra-tap/entra/0.0.1/$platform"
	ln -sf "$work/plugins/terraform-provider-entra" "$work/mirror/registry.terraform.io/entra-tap/entra/0.0.1/$platform/terraform-provider-entra_v0.0.1"
	cat >"$work/cli.tfrc" <<TFRC
provider_installation {
  dev_overrides {
    "registry.terraform.io/entra-tap/entra" = "$work/plugins"
  }
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.terraform.io/entra-tap/entra"]
  }
  direct {
    exclude = ["registry.terraform.io/entra-tap/entra"]
  }
}
TFRC
	export TF_CLI_CONFIG_FILE=$work/cli.tfrc TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
	unset TF_DATA_DIR TF_WORKSPACE
}

# quiet_log FILE: the file without the dev_overrides warning, which every command prints.
quiet_log() {
	awk '/^(Warning|│ Warning|╷)?.*Provider development overrides are in effect/ {skip=1} skip && /releases\.|^╵/ {skip=0; next} !skip' "$1" |
		grep -vE '^\s*$'
}
