#!/usr/bin/env bash
# Checks that every example directory is a root module a user can copy as it is: for each directory under
# examples/ that holds *.tf or *.tfquery.hcl files (found afresh at every run, nothing is listed here), and for
# each CLI available, `fmt -check`, `init -backend=false` and `validate`, with a dev_overrides CLI configuration
# that points at a provider binary built from this tree. Nothing is written into examples/: every run works on
# a copy of the tree, so relative module sources keep working.
#
# CLIs: `terraform` on PATH, OpenTofu (bin/tofu, built from tools/go.mod), and a newer Terraform for what
# needs one: $TERRAFORM_NEW, else ../shared/tools/terraform-1.15.9/terraform when it exists.
# $ENTRA_CLIS (space-separated paths) replaces that list (scripts/lib/cli.sh).
#
# A directory is skipped on a CLI only when it cannot work there, and the reason is printed:
#   - it uses another provider (a required_providers source, or a resource, data source, ephemeral resource,
#     action, list or provider block of another provider): there is no way to install it here;
#   - it uses an import block by identity (Terraform 1.12), an action or a list resource / .tfquery.hcl file
#     (Terraform 1.14): older Terraform and OpenTofu do not have these;
#   - its required_version is ">= X.Y[.Z]" and the CLI is older.
# A directory that no CLI here can check is reported, and so is one without a required_providers entry for
# registry.terraform.io/entra-tap/entra (OpenTofu would look for the provider in its own registry): that one
# fails unless it is named with --pending DIR, which validates it with the block added and prints a warning.
#
#   scripts/validate-examples.sh [--pending DIR]... [DIR...]   (default: every example directory)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

pending=() dirs=()
while (($#)); do
	case $1 in
	--pending) pending+=("${2%/}"); shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) dirs+=("${1%/}"); shift ;;
	esac
done
if ((${#dirs[@]} == 0)); then
	mapfile -t dirs < <(find examples -type f \( -name '*.tf' -o -name '*.tfquery.hcl' \) -not -path '*/.terraform/*' -printf '%h\n' | sort -u)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/entra-examples.XXXXXX")
trap 'rm -rf "$work"' EXIT

# shellcheck source=scripts/lib/cli.sh
source scripts/lib/cli.sh

# --- the CLIs -------------------------------------------------------------------------------------------------
mapfile -t clis < <(cli_list)
declare -A cli_kind cli_version cli_label
for cli in "${clis[@]}"; do
	cli_label[$cli]=$(cli_describe "$cli")
	cli_kind[$cli]=${cli_label[$cli]% *}
	cli_version[$cli]=${cli_label[$cli]#* }
done

# --- a provider built from this tree, found through dev_overrides -------------------------------------------
dev_provider "$work"

# --- what a directory needs -----------------------------------------------------------------------------------
# Reads the configuration files of one directory (not its subdirectories) and sets:
#   others: other providers it uses; min_tf / why_tf: the Terraform version it needs and why;
#   tofu_no: why OpenTofu cannot check it (empty if it can); min_any: from required_version ">= X"; has_block.
inspect() {
	local dir=$1 files=() f
	for f in "$dir"/*.tf "$dir"/*.tfquery.hcl; do [[ -e "$f" ]] && files+=("$f"); done
	# Comments out, so that a word in a comment is not taken for a block.
	local text
	text=$(sed -E 's@(^|[[:space:]])(#|//).*$@@' "${files[@]}")
	others=$(
		{
			grep -oE '^[[:space:]]*(resource|data|ephemeral|action|list)[[:space:]]+"[a-z0-9]+(_|")' <<<"$text" | sed -E 's/^[^"]*"([a-z0-9]+).*/\1/'
			grep -oE '^[[:space:]]*provider[[:space:]]+"[a-z0-9_-]+"' <<<"$text" | sed -E 's/.*"([^"]+)"/\1/'
			grep -oE 'source[[:space:]]*=[[:space:]]*"[^"]+"' <<<"$text" | sed -E 's/.*"([^"]+)"/\1/' |
				grep -vE '^(\.|/)' | grep -viE '^(registry\.terraform\.io/)?entra-tap/entra$' | grep -E '/' || true
		} | grep -vxE 'entra|terraform|registry\.terraform\.io/entra-tap/entra' | sort -u | paste -sd, - || true
	)
	min_tf=0 why_tf="" tofu_no="" min_any=0
	if grep -qE 'identity[[:space:]]*=[[:space:]]*\{' <<<"$text" && grep -qE '^[[:space:]]*import[[:space:]]*\{' <<<"$text"; then
		min_tf=$(vnum 1.12.0) why_tf="import by identity needs Terraform 1.12" tofu_no="import by identity is not in OpenTofu"
	fi
	if grep -qE '^[[:space:]]*action[[:space:]]+"' <<<"$text"; then
		min_tf=$(vnum 1.14.0) why_tf="actions need Terraform 1.14" tofu_no="actions are not in OpenTofu"
	fi
	if compgen -G "$dir/*.tfquery.hcl" >/dev/null || grep -qE '^[[:space:]]*list[[:space:]]+"' <<<"$text"; then
		min_tf=$(vnum 1.14.0) why_tf="list resources (terraform query) need Terraform 1.14" tofu_no="list resources are not in OpenTofu"
	fi
	local rv
	rv=$(grep -oE 'required_version[[:space:]]*=[[:space:]]*"[^"]*"' <<<"$text" | sed -E 's/.*"([^"]*)"/\1/' | head -1 || true)
	if [[ "$rv" =~ ^\>=[[:space:]]*([0-9]+(\.[0-9]+){0,2})$ ]]; then min_any=$(vnum "${BASH_REMATCH[1]}") min_any_text=$rv; fi
	has_block=no
	if grep -qE '^[[:space:]]*required_providers' <<<"$text" &&
		grep -qiE 'source[[:space:]]*=[[:space:]]*"registry\.terraform\.io/entra-tap/entra"' <<<"$text"; then has_block=yes; fi
}

is_pending() { local p; for p in "${pending[@]}"; do [[ "$p" == "$1" ]] && return 0; done; return 1; }

# --- the runs -------------------------------------------------------------------------------------------------
failed=() skipped=() warned=() unchecked=()
declare -A passed_on
for cli in "${clis[@]}"; do
	label=${cli_label[$cli]}
	copy=$work/$(basename "$cli")-${cli_version[$cli]}
	cp -R examples "$copy"
	find "$copy" \( -name .terraform -o -name .terraform.lock.hcl -o -name 'terraform.tfstate*' \) -prune -exec rm -rf {} +
	t0=$(date +%s) n=0
	echo "==> $label ($cli)"
	for dir in "${dirs[@]}"; do
		inspect "$dir"
		reason=""
		if [[ -n "$others" ]]; then reason="uses another provider ($others)"
		elif [[ ${cli_kind[$cli]} == OpenTofu && -n "$tofu_no" ]]; then reason=$tofu_no
		elif [[ ${cli_kind[$cli]} == Terraform ]] && (($(vnum "${cli_version[$cli]}") < min_tf)); then reason=$why_tf
		elif (($(vnum "${cli_version[$cli]}") < min_any)); then reason="required_version $min_any_text"
		fi
		if [[ -n "$reason" ]]; then
			printf '  %-62s skipped: %s\n' "$dir" "$reason"
			skipped+=("$dir on $label: $reason")
			continue
		fi
		d=$copy/${dir#examples/}
		if [[ $has_block == no ]]; then
			if is_pending "$dir"; then
				cat >"$d/zz_validate_examples_terraform.tf" <<-'EOF'
					terraform {
					  required_providers {
					    entra = { source = "registry.terraform.io/entra-tap/entra" }
					  }
					}
				EOF
			else
				printf '  %-62s FAILED: no required_providers entry with source "registry.terraform.io/entra-tap/entra"\n' "$dir"
				failed+=("$dir on $label: not a root module that can be copied (no terraform block for entra-tap/entra)")
				continue
			fi
		fi
		n=$((n + 1))
		log=$work/log
		query=()
		if [[ ${cli_kind[$cli]} == Terraform ]] && (($(vnum "${cli_version[$cli]}") >= $(vnum 1.14.0))) && compgen -G "$d/*.tfquery.hcl" >/dev/null; then query=(-query); fi
		step=""
		if ! (cd "$d" && "$cli" fmt -check -diff -no-color .) >"$log" 2>&1; then step="fmt -check (run make fmt)"
		elif ! (cd "$d" && "$cli" init -backend=false -input=false -no-color) >"$log" 2>&1; then step="init -backend=false"
		elif ! (cd "$d" && "$cli" validate -no-color "${query[@]}") >"$log" 2>&1; then step="validate"
		fi
		if [[ -n "$step" ]]; then
			printf '  %-62s FAILED: %s\n' "$dir" "$step"
			quiet_log "$log" | sed 's/^/      /' | head -60
			failed+=("$dir on $label: $step")
			continue
		fi
		printf '  %-62s ok\n' "$dir"
		passed_on[$dir]+="$label, "
	done
	echo "    ($n directories in $(($(date +%s) - t0))s)"
done

for dir in "${dirs[@]}"; do
	if [[ -z "${passed_on[$dir]:-}" ]] && ! printf '%s\n' "${failed[@]}" | grep -q "^$dir on "; then unchecked+=("$dir"); fi
	inspect "$dir"
	if [[ $has_block == no ]] && is_pending "$dir"; then
		warned+=("$dir has no terraform block for registry.terraform.io/entra-tap/entra (validated with one added: --pending)")
	elif [[ $has_block == yes ]] && is_pending "$dir"; then
		warned+=("$dir has its terraform block now: drop it from --pending")
	fi
done

echo
echo "==> examples: ${#dirs[@]} directories, ${#clis[@]} CLIs"
if ((${#skipped[@]})); then echo "skipped:"; printf '  %s\n' "${skipped[@]}"; fi
if ((${#unchecked[@]})); then
	echo "checked by no CLI here (those feeding another provider are applied, with stand-ins for it, by internal/provider/examples_test.go):"
	printf '  %s\n' "${unchecked[@]}"
fi
if ((${#warned[@]})); then echo "warnings:"; printf '  %s\n' "${warned[@]}"; fi
if ((${#failed[@]})); then echo "FAILED:"; printf '  %s\n' "${failed[@]}"; exit 1; fi
echo "every example directory that a CLI here can check is a valid root module on it"
