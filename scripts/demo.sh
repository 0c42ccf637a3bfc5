#!/usr/bin/env bash
# make demo: builds the provider, starts the local emulated tenant, and runs init, plan and apply of
# examples/demo with the real CLI through a dev_overrides CLI configuration. It then shows what a user
# experiences (signing in with the delivered passes), re-applies to show no pass is replaced, checks that
# no pass leaked into state, plan or output, and stops the emulator.
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

say "Building the provider, the emulator and the leak scanner"
go build -o "$work/plugins/terraform-provider-entra" .
go build -o "$work/entra-emulator" ./internal/emulator/cmd/entra-emulator
go build -o "$work/leakscan" ./internal/acctest/cmd/leakscan

say "Starting the local emulated tenant (users, groups and methods from examples/demo/tenant.json)"
mkdir -p "$work/config" "$work/delivered"
cp -R examples/demo/. "$work/config/"
"$work/entra-emulator" -env-file "$work/emulator.env" -state-dir "$work/emulator" \
	-seed examples/demo/tenant.json -seed-tfvars "$work/config/seed.auto.tfvars.json" >"$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 1 200); do [[ -s "$work/emulator.env" ]] && break; sleep 0.1; done
if [[ ! -s "$work/emulator.env" ]]; then cat "$work/emulator.log"; echo "the emulator did not start" >&2; exit 1; fi
set -a
# shellcheck disable=SC1091
source "$work/emulator.env"
set +a
echo "Microsoft Graph: $ARM_MSGRAPH_ENDPOINT   authority: $ARM_AUTHORITY_HOST   tenant: $ARM_TENANT_ID"
control() { curl -sS --cacert "$ENTRA_EMULATOR_CA_FILE" -H 'Content-Type: application/json' "$@"; }
tenant_api=$ENTRA_EMULATOR_URL/_emulator/tenants/$ARM_TENANT_ID
# Count only what the provider does from here on, not the seeding.
control -X DELETE "$tenant_api/requests" >/dev/null

# The provider is found through dev_overrides, as a developer tests a local build. init still wants an
# installation source for it, so a filesystem mirror holds the same build; nothing comes from a registry.
platform=$(go env GOOS)_$(go env GOARCH)
mkdir -p "$work/mirror/registry.terraform.io/entra-tap/entra/0.0.1/$platform"
ln -s "$work/plugins/terraform-provider-entra" "$work/mirror/registry.terraform.io/entra-tap/entra/0.0.1/$platform/terraform-provider-entra_v0.0.1"
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
export TF_VAR_delivery_dir=$work/delivered
# 08:00 on the first day, two days from now, in this machine's time zone.
export TF_VAR_hire_start=$(date -d "$(date +%F) +2 days 08:00" +%Y-%m-%dT%H:%M:%S%:z)

cd "$work/config"
tf() { "$cli" "$@" -no-color 2>&1 | tee -a "$work/cli-output.log"; return "${PIPESTATUS[0]}"; }
say "$("$cli" version | head -n 1): init"
tf init -input=false >"$work/init.log" || { cat "$work/init.log"; exit 1; }
grep -E 'Installing|Installed|initialized' "$work/init.log"
say "plan: the policy change is shown in full; every pass is checked against the tenant, none is issued"
tf plan -input=false -out=demo.tfplan
echo "passes issued while planning: $(control "$tenant_api/counters" | grep -o '"POST /v1.0/users/{id}/authentication/temporaryAccessPassMethods":[0-9]*' | cut -d: -f2 || true)"
say "apply: the policy is written, each pass is issued once and delivered"
tf apply -input=false demo.tfplan

say "What the users experience"
# The control API reads what the emulated mailboxes and vault received, as the manager and the helpdesk would.
latest_pass() { # mailbox address: the pass in the newest message it received
	control "$tenant_api/mailboxes/$1/messages" | python3 -c 'import json,re,sys
msgs=json.load(sys.stdin)["messages"]
m=re.search(r"^Pass: (\S+)$", msgs[-1]["body"]["content"], re.M) if msgs else None
print(m.group(1) if m else "")'
}
count_messages() { control "$tenant_api/mailboxes/$1/messages" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["messages"]))'; }
signin() { control -X POST "$tenant_api/signin" -d "{\"user\":\"$1\",\"temporaryAccessPass\":\"$2\"}"; echo; }
var() { sed -n "s/.*\"$1\": \"\(.*\)\".*/\1/p" seed.auto.tfvars.json; }
ada=$(var ada_upn) grace=$(var grace_upn) linus=$(var linus_upn) bob=$(var bob_upn)
margaret_mail=$(var margaret_mail) helpdesk_mail=$(var helpdesk_mail) vault=$(var onboarding_vault_name)
echo "Where the passes went (the state records this, never a pass):"; tf output -json where_the_passes_went
ada_pass=$(latest_pass "$margaret_mail")
[[ -n "$ada_pass" ]] || { echo "Ada's manager received no pass" >&2; exit 1; }
echo "Margaret, Ada's manager, received $(count_messages "$margaret_mail") message(s): a pass of ${#ada_pass} characters, the sign-in link and the window in Paris time."
vaulted=$(control "$tenant_api/vaults/$vault/secrets/tap-ada-lovelace" | python3 -c 'import json,sys; print(json.load(sys.stdin)["current"]["value"])')
[[ "$vaulted" == "$ada_pass" ]] && echo "The onboarding vault holds the same pass, valid from her start to its expiry." || { echo "the vault does not hold Ada's pass" >&2; exit 1; }
echo "Ada signs in today, before her start date:"; signin "$ada" "$ada_pass"
control -X POST "$tenant_api/clock" -d "{\"now\":\"$(date -u -d "$TF_VAR_hire_start + 1 minute" +%Y-%m-%dT%H:%M:%SZ)\"}" >/dev/null
echo "Ada signs in at 08:01 on her first day:"; signin "$ada" "$ada_pass"
control -X POST "$tenant_api/clock" -d '{"real":true}' >/dev/null
[[ -s "$work/delivered/contractor.pass" ]] || { echo "the contractor's pass was not handed over" >&2; exit 1; }
echo "Bob, the contractor, signs in with the pass handed to the stand-in write-only consumer:"; signin "$bob" "$(cat "$work/delivered/contractor.pass")"
helpdesk_messages=$(count_messages "$helpdesk_mail")
echo "The helpdesk mailbox received $helpdesk_messages messages: Grace's pass and Linus's recovery pass."
grace_pass=$(control "$tenant_api/mailboxes/$helpdesk_mail/messages" | python3 -c 'import json,re,sys
for m in json.load(sys.stdin)["messages"]:
    if m["subject"].startswith("Temporary Access Pass for Grace"): print(re.search(r"^Pass: (\S+)$", m["body"]["content"], re.M).group(1))')
linus_pass=$(latest_pass "$helpdesk_mail")
echo "Grace signs in during the helpdesk call:"; signin "$grace" "$grace_pass"
echo "Grace tries the one-time pass again:"; signin "$grace" "$grace_pass"
echo "Linus had: $(tf output -json linus_methods_before_recovery)"
echo "Linus signs in with the recovery pass (the lost key and phone were removed once the pass was mailed; promptedMethods is what he would still be asked for):"
signin "$linus" "$linus_pass"

say "re-apply: nothing changes, no pass is issued, no mail is sent"
before=$(count_messages "$helpdesk_mail")$(count_messages "$margaret_mail")
tf apply -input=false -auto-approve | grep -E 'No changes|Apply complete' || true
[[ "$(count_messages "$helpdesk_mail")$(count_messages "$margaret_mail")" == "$before" ]] && echo "no message was sent" || { echo "a re-apply sent mail" >&2; exit 1; }

if "$cli" version | grep -qE '^Terraform v1\.(1[4-9]|[2-9][0-9])\.'; then
	say "helpdesk with an action (Terraform 1.14+): terraform apply -invoke, nothing in state"
	cat >helpdesk-action.tf <<TF
action "entra_temporary_access_pass_issue" "grace_again" {
  config {
    user_id             = var.grace_upn
    lifetime_in_minutes = 10
    delivery            = { email = { sender = var.helpdesk_upn, to = [var.helpdesk_mail] } }
  }
}
TF
	tf apply -input=false -auto-approve -invoke=action.entra_temporary_access_pass_issue.grace_again | grep -E 'Checked|Issued|Delivered|Done|Apply complete' || true
	echo "Grace signs in with the pass the action mailed:"; signin "$grace" "$(latest_pass "$helpdesk_mail")"
	rm helpdesk-action.tf
else
	say "helpdesk with an action: needs Terraform 1.14 or later (this is $("$cli" version | head -n 1)); the managed resource above is the same story"
fi

say "destroy: the passes are revoked and the policy goes back to Microsoft's defaults"
tf destroy -input=false -auto-approve | grep -E 'Destroy complete|Destruction complete' || true
echo "Ada signs in with the revoked pass:"; signin "$ada" "$ada_pass"

say "What the provider did against the emulated tenant"
echo "Microsoft Graph requests made by the provider (plan, apply, re-apply, destroy):"
control "$tenant_api/counters" | grep -o '"[A-Z]* /v1.0[^"]*":[0-9]*' | sed 's/^/  /'

say "Leak check: no pass, token or secret in state, saved plan or CLI output"
"$work/leakscan" terraform.tfstate terraform.tfstate.backup demo.tfplan "$work/cli-output.log"
