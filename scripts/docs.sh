#!/usr/bin/env bash
# Regenerates docs/ with tfplugindocs (built from tools/go.mod). tfplugindocs reads the provider schema through
# the terraform CLI on PATH, and renders action and list-resource pages (and identity schemas) only with
# Terraform 1.14 or later. The CLI is $DOCS_TERRAFORM, else ../shared/tools/terraform-1.15.9/terraform, else
# `terraform` on PATH if it is 1.14 or later: the output must not depend on the machine, or CI's diff check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -n "${TF_CLI_CONFIG_FILE:-}" && ! -e "$TF_CLI_CONFIG_FILE" ]]; then unset TF_CLI_CONFIG_FILE; fi

vnum() { local IFS=.; local -a p; read -r -a p <<<"${1%%-*}"; echo $((${p[0]:-0} * 1000000 + ${p[1]:-0} * 1000 + ${p[2]:-0})); }
cli=${DOCS_TERRAFORM:-}
if [[ -z "$cli" && -x ../shared/tools/terraform-1.15.9/terraform ]]; then cli=$(cd ../shared/tools/terraform-1.15.9 && pwd)/terraform; fi
if [[ -z "$cli" ]] && command -v terraform >/dev/null 2>&1; then cli=$(command -v terraform); fi
if [[ -z "$cli" ]]; then
	echo "make docs needs Terraform 1.14 or later: set DOCS_TERRAFORM=/path/to/terraform" >&2
	exit 1
fi
version=$("$cli" version 2>/dev/null | sed -n '1s/^Terraform v//p')
if [[ -z "$version" ]] || (($(vnum "$version") < $(vnum 1.14.0))); then
	echo "make docs needs Terraform 1.14 or later to render the action and list-resource pages; $cli is ${version:-not Terraform}:" >&2
	echo "set DOCS_TERRAFORM=/path/to/terraform" >&2
	exit 1
fi

make --no-print-directory bin/tfplugindocs >/dev/null
# tfplugindocs runs `terraform` from PATH: a directory of our own holds a link to the chosen CLI.
shim=$(mktemp -d "${TMPDIR:-/tmp}/entra-docs.XXXXXX")
trap 'rm -rf "$shim"' EXIT
ln -s "$cli" "$shim/terraform"
echo "tfplugindocs with Terraform $version ($cli)"
"$cli" fmt -recursive examples/
PATH=$shim:$PATH bin/tfplugindocs generate --provider-dir . --provider-name entra
# The Registry's own checks of the result (directories, front matter, sizes, one page per type).
if ! PATH=$shim:$PATH bin/tfplugindocs validate --provider-dir . --provider-name entra >"$shim/validate.log" 2>&1; then
	grep -v '\[DEBUG\]' "$shim/validate.log" >&2
	exit 1
fi
