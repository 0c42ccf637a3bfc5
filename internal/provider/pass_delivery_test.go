package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// onboardingTenant is a tenant where a new hire has a manager with a mailbox, an onboarding mailbox sends,
// and a vault exists.
type onboardingTenant struct {
	*acctest.Tenant
	hire, manager, sender control.User
	vault                 control.VaultInfo
}

func newOnboardingTenant(t *testing.T) onboardingTenant {
	t.Helper()
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(map[string]any{"isUsableOnce": false, "defaultLifetimeInMinutes": 480, "maximumLifetimeInMinutes": 480})
	ot := onboardingTenant{Tenant: tenant}
	ot.manager = tenant.CreateUser("grace", control.Mail("grace@"+tenant.Domain))
	ot.sender = tenant.CreateUser("onboarding", control.Mail("onboarding@"+tenant.Domain))
	ot.hire = tenant.CreateUser("ada", control.Mail("ada@"+tenant.Domain))
	if _, err := acctest.Control().SetManager(context.Background(), tenant.TenantID, ot.hire.ID, ot.manager.ID); err != nil {
		t.Fatal(err)
	}
	vault, err := acctest.Control().CreateVault(context.Background(), tenant.TenantID, control.Vault{Name: "kv" + strings.ReplaceAll(tenant.TenantID, "-", "")[:18]})
	if err != nil {
		t.Fatal(err)
	}
	ot.vault = vault
	return ot
}

// mailed returns the messages the manager's mailbox received.
func (ot onboardingTenant) mailed(t *testing.T) []control.MailMessage {
	t.Helper()
	msgs, err := acctest.Control().MailboxMessages(context.Background(), ot.TenantID, "grace@"+ot.Domain)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

var passLine = regexp.MustCompile(`(?m)^Pass: (\S+)$`)

func passIn(msg control.MailMessage) string {
	if m := passLine.FindStringSubmatch(msg.Body.Content); m != nil {
		return m[1]
	}
	return ""
}

func (ot onboardingTenant) onboardingConfig(delivery, extra string) string {
	return ot.Config(fmt.Sprintf(`
resource "entra_temporary_access_pass" "ada" {
  user_id         = %q
  start_date_time = %q
  delivery = {
    %s
  }
  %s
}
`, ot.hire.UserPrincipalName, time.Now().Add(2*time.Hour).UTC().Truncate(time.Minute).Format(time.RFC3339), delivery, extra))
}

func (ot onboardingTenant) emailToManager() string {
	return fmt.Sprintf(`email = {
      sender     = %q
      to_manager = true
      time_zone  = "Europe/Paris"
    }`, ot.sender.UserPrincipalName)
}

func (ot onboardingTenant) keyVault() string {
	return fmt.Sprintf(`key_vault = {
      vault_uri   = %q
      secret_name = "tap-ada"
    }`, ot.vault.VaultURI)
}

func TestAccPassDelivery_emailToTheManager(t *testing.T) {
	ot := newOnboardingTenant(t)
	const addr = "entra_temporary_access_pass.ada"
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: ot.onboardingConfig(ot.emailToManager(), ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{checkFunc(func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
					if n := len(ot.mailed(t)); n != 0 || len(ot.IssuedPasses()) != 0 {
						t.Errorf("the plan sent %d messages and issued %d passes", n, len(ot.IssuedPasses()))
					}
				})}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("temporary_access_pass"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("deliveries"), knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"channel": knownvalue.StringExact("email"), "destination": knownvalue.StringExact("grace@" + ot.Domain), "reference": knownvalue.NotNull(),
					})})),
				},
				Check: func(*terraform.State) error {
					msgs := ot.mailed(t)
					if len(msgs) != 1 {
						return fmt.Errorf("the manager received %d messages, want 1", len(msgs))
					}
					body := msgs[0].Body.Content
					for _, want := range []string{"ada (" + ot.hire.UserPrincipalName + ")", "https://aka.ms/mysecurityinfo", "Europe/Paris", "It can be used until it expires."} {
						if !strings.Contains(body+msgs[0].Subject, want) {
							return fmt.Errorf("the message lacks %q", want)
						}
					}
					if pass := passIn(msgs[0]); !ot.IsIssued(pass) {
						return fmt.Errorf("the message does not carry the issued pass")
					}
					if sent, _ := acctest.Control().MailboxFolder(context.Background(), ot.TenantID, "onboarding@"+ot.Domain, "sentitems"); len(sent) != 0 {
						return fmt.Errorf("the sender kept %d copies in Sent Items", len(sent))
					}
					return nil
				},
			},
			{
				// A re-apply sends nothing and writes nothing.
				PreConfig:        func() { ot.ClearRequests() },
				Config:           ot.onboardingConfig(ot.emailToManager(), ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: func(*terraform.State) error {
					if n := len(ot.mailed(t)); n != 1 || ot.Counters().Writes != 0 {
						return fmt.Errorf("a re-apply sent mail (%d messages) or wrote (%v)", n, ot.Counters().ByRoute)
					}
					return nil
				},
			},
			{
				// Rotation mails the new pass; the old one stops working.
				Config: ot.onboardingConfig(ot.emailToManager(), `triggers = { rotation = "2" }`),
				Check: func(*terraform.State) error {
					msgs := ot.mailed(t)
					if len(msgs) != 2 {
						return fmt.Errorf("want 2 messages after a rotation, got %d", len(msgs))
					}
					if ot.SignsIn(ot.hire.ID, passIn(msgs[0])) {
						return fmt.Errorf("the first pass still works")
					}
					// Its start is in two hours: it is the live pass, not yet usable.
					if passes, _ := ot.Graph.ListTAPs(context.Background(), ot.hire.ID); len(passes) != 1 {
						return fmt.Errorf("want one live pass, got %v", passes)
					}
					return nil
				},
			},
		},
	})
}

func TestAccPassDelivery_keyVaultAndEmailOnce(t *testing.T) {
	ot := newOnboardingTenant(t)
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: ot.onboardingConfig(ot.emailToManager()+"\n    "+ot.keyVault(), `lifetime_in_minutes = 120`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("entra_temporary_access_pass.ada", tfjsonpath.New("deliveries"), knownvalue.ListSizeExact(2)),
				},
				Check: func(*terraform.State) error {
					secret, err := acctest.Control().VaultSecret(context.Background(), ot.TenantID, ot.vault.Name, "tap-ada")
					if err != nil {
						return err
					}
					msgs := ot.mailed(t)
					if len(msgs) != 1 || len(secret.Versions) != 1 || len(ot.IssuedPasses()) != 1 {
						return fmt.Errorf("want one pass, mailed once and vaulted once: %d passes, %d messages, %d versions", len(ot.IssuedPasses()), len(msgs), len(secret.Versions))
					}
					if secret.Current.Value != passIn(msgs[0]) || !ot.IsIssued(secret.Current.Value) {
						return fmt.Errorf("the vault and the mail must hold the one pass issued")
					}
					a := secret.Current.Attributes
					if a.NotBefore == nil || a.Expires == nil || *a.Expires-*a.NotBefore != 120*60 {
						return fmt.Errorf("the secret must be valid from the pass's start to its expiry: %+v", a)
					}
					if secret.Current.Tags["user_principal_name"] != ot.hire.UserPrincipalName || secret.Current.Tags["sign_in_url"] != "https://aka.ms/mysecurityinfo" {
						return fmt.Errorf("tags: %v", secret.Current.Tags)
					}
					return nil
				},
			},
		},
	})
}

// A delivery that fails at apply revokes the pass, and the error names the channel and the cause.
func TestAccPassDelivery_failingDeliveryRevokes(t *testing.T) {
	ot := newOnboardingTenant(t)
	// The vault refuses the provider's app.
	if _, err := acctest.Control().SetVaultRoles(context.Background(), ot.TenantID, ot.vault.Name, ot.ClientID); err != nil {
		t.Fatal(err)
	}
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      ot.onboardingConfig(ot.keyVault(), `remove_methods = ["email"]`),
			ExpectError: errorMatching("Could not deliver the Temporary Access Pass", "Key Vault secret tap-ada", "403", "Key Vault Secrets Officer", "has been revoked", "no method was removed"),
		}},
	})
	if l := ot.Ledger("none", ot.hire.ID); l.Minted != 1 || len(l.Live) != 0 {
		t.Errorf("the undelivered pass must be revoked: %s", l)
	}
}

// What delivery needs from the directory is checked while planning, with zero writes.
func TestAccPassDelivery_planTimeChecks(t *testing.T) {
	ot := newOnboardingTenant(t)
	noMailbox := ot.CreateUser("nomail")
	orphan := ot.CreateUser("orphan") // no manager
	ot.ClearRequests()
	for name, tc := range map[string]struct {
		config string
		want   *regexp.Regexp
	}{
		"sender without a mailbox": {ot.Config(fmt.Sprintf(`
resource "entra_temporary_access_pass" "ada" {
  user_id  = %q
  delivery = { email = { sender = %q, to_manager = true } }
}`, ot.hire.ID, noMailbox.UserPrincipalName)), errorMatching("Sender has no mailbox", noMailbox.UserPrincipalName)},
		"sender not found": {ot.Config(fmt.Sprintf(`
resource "entra_temporary_access_pass" "ada" {
  user_id  = %q
  delivery = { email = { sender = "ghost@%s", to = ["it@contoso.com"] } }
}`, ot.hire.ID, ot.Domain)), errorMatching("Sender not found")},
		"user without a manager": {ot.Config(fmt.Sprintf(`
resource "entra_temporary_access_pass" "ada" {
  user_id  = %q
  delivery = { email = { sender = %q, to_manager = true } }
}`, orphan.ID, ot.sender.UserPrincipalName)), errorMatching("No manager to send to", "has no manager")},
		"no recipient": {ot.Config(fmt.Sprintf(`
resource "entra_temporary_access_pass" "ada" {
  user_id  = %q
  delivery = { email = { sender = %q } }
}`, ot.hire.ID, ot.sender.UserPrincipalName)), errorMatching("No recipient")},
		"unknown time zone": {ot.onboardingConfig(fmt.Sprintf(`email = { sender = %q, to_manager = true, time_zone = "Paris" }`, ot.sender.UserPrincipalName), ""),
			errorMatching("Unknown time zone", `"Paris" is not an IANA time zone`)},
		"body without the pass": {ot.onboardingConfig(fmt.Sprintf(`email = { sender = %q, to_manager = true, body = "Welcome {{user_display_name}}" }`, ot.sender.UserPrincipalName), ""),
			errorMatching("Invalid message template", "no {{pass}}")},
		"unknown placeholder": {ot.onboardingConfig(fmt.Sprintf(`email = { sender = %q, to_manager = true, subject = "Pass for {{name}}" }`, ot.sender.UserPrincipalName), ""),
			errorMatching("Invalid message template", "{{name}} is not a placeholder")},
		"bad address": {ot.onboardingConfig(fmt.Sprintf(`email = { sender = %q, to = ["it desk"] }`, ot.sender.UserPrincipalName), ""),
			errorMatching("Invalid mail address", `"it desk"`)},
		"vault URI over http": {ot.onboardingConfig(`key_vault = { vault_uri = "http://kv.vault.azure.net/", secret_name = "tap-ada" }`, ""),
			errorMatching("Invalid vault URI")},
		"bad secret name": {ot.onboardingConfig(fmt.Sprintf(`key_vault = { vault_uri = %q, secret_name = "tap_ada" }`, ot.vault.VaultURI), ""),
			errorMatching("Invalid secret name", `"tap_ada"`)},
		"hand-over with email": {ot.onboardingConfig("ephemeral = true\n    "+ot.emailToManager(), ""),
			errorMatching("A hand-over cannot be combined with other deliveries")},
	} {
		t.Run(name, func(t *testing.T) {
			acctest.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: tc.config, ExpectError: tc.want}},
			})
		})
	}
	t.Cleanup(func() {
		if c := ot.Counters(); c.Writes != 0 {
			t.Errorf("refused deliveries wrote to Graph: %v", c.ByRoute)
		}
	})
}
