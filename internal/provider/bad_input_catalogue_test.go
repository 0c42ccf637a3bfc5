package provider

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// The bad-input catalogue: every invalid configuration fails `terraform plan` (or validate), names the
// attribute through the CLI's "with ... on line N" pointer, says what to do, and causes no write to Graph.

// catalogueTenant is the tenant the catalogue plans against: a policy for new starters that is one-time,
// 60 to 480 minutes, excluding admins; and users inside, outside and excluded, plus an external guest.
type catalogueTenant struct {
	*acctest.Tenant
	starters, admins                    string
	hire, outsider, admin, guest, glass control.User
}

func newCatalogueTenant(t *testing.T) catalogueTenant {
	t.Helper()
	tenant := acctest.NewTenant(t)
	ctx := tenant.Context()
	starters, err := tenant.Graph.CreateGroup(ctx, "New starters")
	if err != nil {
		t.Fatal(err)
	}
	admins, err := tenant.Graph.CreateGroup(ctx, "Admins")
	if err != nil {
		t.Fatal(err)
	}
	ct := catalogueTenant{Tenant: tenant, starters: starters.ID, admins: admins.ID,
		hire: tenant.CreateUser("hire"), outsider: tenant.CreateUser("outsider"), admin: tenant.CreateUser("admin"),
		guest: tenant.CreateUser("partner_fabrikam.com#EXT#", control.External()), glass: tenant.CreateUser("breakglass")}
	for _, m := range [][2]string{{starters.ID, ct.hire.ID}, {starters.ID, ct.admin.ID}, {admins.ID, ct.admin.ID}} {
		if err := tenant.Graph.AddMember(ctx, m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	tenant.EnableTAP(map[string]any{
		"minimumLifetimeInMinutes": 60, "defaultLifetimeInMinutes": 60, "maximumLifetimeInMinutes": 480, "isUsableOnce": true,
		"includeTargets": []map[string]any{{"id": starters.ID, "targetType": "group", "isRegistrationRequired": false}},
		"excludeTargets": []map[string]any{{"id": admins.ID, "targetType": "group"}},
	})
	tenant.ClearRequests()
	return ct
}

type badInput struct {
	name   string
	config string
	want   *regexp.Regexp
}

func TestAccBadInputCatalogue(t *testing.T) {
	ct := newCatalogueTenant(t)
	fresh := acctest.NewTenant(t) // the documented fresh-tenant policy: disabled, 60/60/480
	const missing = "99999999-9999-4999-8999-999999999999"
	missingFile := filepath.Join(t.TempDir(), "does-not-exist")

	policy := func(body string) string {
		return "resource \"entra_temporary_access_pass_policy\" \"this\" {\n" + body + "\n}\n"
	}
	// The documented hand-over: the pass is checked while planning, before anything is issued.
	handedOverPass := func(args string) string {
		return "resource \"entra_temporary_access_pass\" \"this\" {\n  delivery = { ephemeral = true }\n" + args + "\n}\n" +
			"ephemeral \"entra_temporary_access_pass\" \"this\" {\n  pass_id  = entra_temporary_access_pass.this.id\n  applying = terraform.applying\n}\n"
	}
	managedPass := func(args string) string {
		return "resource \"entra_temporary_access_pass\" \"this\" {\n" + args + "\n}\n"
	}
	providerBlock := func(settings string) string {
		return fmt.Sprintf("provider \"entra\" {\n  alias = \"bad\"\n  tenant_id = %q\n%s\n}\ndata \"entra_temporary_access_pass_policy\" \"this\" {\n  provider = entra.bad\n}\n", ct.TenantID, settings)
	}
	user := func(u control.User, more string) string { return fmt.Sprintf("user_id = %q\n%s", u.ID, more) }

	cases := []badInput{
		// Provider block.
		{"unknown cloud", providerBlock(`environment = "azurecloud"`), errorMatching("Invalid Attribute Value Match", "environment", "usgovernment", `got: "azurecloud"`)},
		{"graph endpoint over http", providerBlock(`msgraph_endpoint = "http://graph.contoso.local"`), errorMatching("msgraph_endpoint", "must be an absolute https:// URL")},
		{"authority host without scheme", providerBlock(`authority_host = "login.microsoftonline.us"`), errorMatching("authority_host", "must be an absolute https:// URL")},
		{"malformed tenant id", providerBlock(`client_id = "x"`+"\n"+`environment = "public"`) + "\n", nil}, // replaced below
		{"client id and client id file", providerBlock(`client_id = "11111111-1111-1111-1111-111111111111"` + "\nclient_id_file_path = \"/tmp/id\""), errorMatching("Invalid Attribute Combination", "client_id_file_path")},
		{"client secret and client secret file", providerBlock(`client_secret = "s"` + "\nclient_secret_file_path = \"/tmp/s\""), errorMatching("Invalid Attribute Combination", "client_secret_file_path")},
		{"certificate and certificate path", providerBlock(`client_certificate = "AAAA"` + "\nclient_certificate_path = \"/tmp/c.pfx\""), errorMatching("Invalid Attribute Combination", "client_certificate_path")},
		{"oidc token and token file", providerBlock(`oidc_token = "t"` + "\noidc_token_file_path = \"/tmp/t\""), errorMatching("Invalid Attribute Combination", "oidc_token_file_path")},
		{"oidc without a token", providerBlock(`use_oidc = true`), errorMatching("Missing provider setting", "`oidc_token`", "is required when use_oidc is true", "ARM_OIDC_TOKEN")},
		{"azure pipelines without request token", providerBlock(`use_oidc = true` + "\nado_pipeline_service_connection_id = \"sc-1\"\noidc_request_url = \"https://dev.azure.com/oidc\""), errorMatching("Missing provider setting", "oidc_request_token")},
		{"certificate that is not base64", providerBlock(`client_certificate = "not base64!"`), errorMatching("client certificate", "must be a base64-encoded PKCS#12")},
		{"certificate file missing", providerBlock(fmt.Sprintf(`client_certificate_path = %q`, missingFile)), errorMatching("reading client_certificate_path", "no such file")},
		{"secret file missing", providerBlock(fmt.Sprintf(`client_secret_file_path = %q`, missingFile)), errorMatching("Could not read the file named by `client_secret_file_path`")},
		{"every sign-in method off", providerBlock("client_secret = \"\"\nuse_cli = false\nclient_id = \"\"") + "", nil}, // replaced below

		// Policy resource.
		{"length too short", policy(`default_length = 7`), errorMatching("default_length", "between 8 and 48")},
		{"length too long", policy(`default_length = 49`), errorMatching("default_length", "between 8 and 48")},
		{"minimum below 10 minutes", policy(`minimum_lifetime_in_minutes = 9`), errorMatching("minimum_lifetime_in_minutes", "between 10 and 43200")},
		{"maximum above 30 days", policy(`maximum_lifetime_in_minutes = 43201`), errorMatching("maximum_lifetime_in_minutes", "between 10 and 43200")},
		{"default above 30 days", policy(`default_lifetime_in_minutes = 50000`), errorMatching("default_lifetime_in_minutes", "between 10 and 43200")},
		{"minimum above maximum", policy("minimum_lifetime_in_minutes = 100\nmaximum_lifetime_in_minutes = 50"), errorMatching("Minimum lifetime exceeds maximum lifetime", "lower the minimum")},
		{"default above the configured maximum", policy("default_lifetime_in_minutes = 500\nminimum_lifetime_in_minutes = 10\nmaximum_lifetime_in_minutes = 480"), errorMatching("Default lifetime outside the allowed range", "default_lifetime_in_minutes = 500")},
		{"maximum below the tenant's minimum", policy(`maximum_lifetime_in_minutes = 30`), errorMatching("Minimum lifetime exceeds maximum lifetime", "minimum_lifetime_in_minutes is 60 (the tenant's current value")},
		{"maximum below the tenant's default", policy("minimum_lifetime_in_minutes = 10\nmaximum_lifetime_in_minutes = 30"), errorMatching("Default lifetime outside the allowed range", "default_lifetime_in_minutes is 60 (the tenant's current value")},
		{"malformed target id", policy(`include_targets = [{ id = "new-starters", target_type = "group" }]`), errorMatching("include_targets", `"new-starters" is not an object id`)},
		{"all_users as a user target", policy(`include_targets = [{ id = "all_users", target_type = "user" }]`), errorMatching("all_users is a group target")},
		{"all_users in upper case", policy(`include_targets = [{ id = "ALL_USERS", target_type = "group" }]`), errorMatching("must be written in lower case")},
		{"all_users excluded", policy(`exclude_targets = [{ id = "all_users", target_type = "group" }]`), errorMatching("all_users cannot be excluded", "enabled = false")},
		{"unknown target type", policy(fmt.Sprintf(`include_targets = [{ id = %q, target_type = "device" }]`, ct.starters)), errorMatching("Invalid Attribute Value Match", "target_type", "value must be one of")},
		{"same group included and excluded", policy(fmt.Sprintf("include_targets = [{ id = %[1]q, target_type = \"group\" }]\nexclude_targets = [{ id = %[1]q, target_type = \"group\" }]", ct.starters)), errorMatching("Target both included and excluded")},
		{"same id twice with different types", policy(fmt.Sprintf("include_targets = [{ id = %[1]q, target_type = \"group\" }, { id = %[1]q, target_type = \"user\" }]", ct.starters)), errorMatching("Duplicate target")},
		{"group that does not exist", policy(fmt.Sprintf(`include_targets = [{ id = %q, target_type = "group" }]`, missing)), errorMatching("Target not found in the tenant", missing)},
		{"user declared as a group", policy(fmt.Sprintf(`exclude_targets = [{ id = %q, target_type = "group" }]`, ct.glass.ID)), errorMatching("Target type does not match", `target_type = "user"`)},

		// Pass handed over to a write-only consumer.
		{"lifetime above the policy maximum", handedOverPass(user(ct.hire, "lifetime_in_minutes = 600")), errorMatching("Lifetime outside the tenant policy's range", "lifetime_in_minutes = 600", "allows 60 to 480 minutes")},
		{"lifetime below the policy minimum", handedOverPass(user(ct.hire, "lifetime_in_minutes = 10")), errorMatching("Lifetime outside the tenant policy's range", "allows 60 to 480")},
		{"lifetime below 10 minutes", handedOverPass(user(ct.hire, "lifetime_in_minutes = 5")), errorMatching("lifetime_in_minutes", "between 10 and 43200")},
		{"reusable pass under a one-time policy", handedOverPass(user(ct.hire, "is_usable_once = false")), errorMatching("Reusable pass not allowed by the tenant policy")},
		{"start in the past", handedOverPass(user(ct.hire, `start_date_time = "2020-01-01T08:00:00+01:00"`)), errorMatching("Start time in the past", "omit start_date_time")},
		{"start without a time zone", handedOverPass(user(ct.hire, `start_date_time = "2026-12-07T08:00:00"`)), errorMatching("start_date_time", "not an RFC 3339 timestamp")},
		{"start in words", handedOverPass(user(ct.hire, `start_date_time = "tomorrow 8am"`)), errorMatching("start_date_time", "not an RFC 3339 timestamp")},
		{"user outside the included groups", handedOverPass(fmt.Sprintf("user_id = %q", ct.outsider.UserPrincipalName)), errorMatching("User not in the Temporary Access Pass policy's scope", "neither included")},
		{"user in an excluded group", handedOverPass(user(ct.admin, "")), errorMatching("User not in the Temporary Access Pass policy's scope", "excluded")},
		{"external guest", handedOverPass(user(ct.guest, "")), errorMatching("External guests cannot have a Temporary Access Pass")},
		{"unknown user", handedOverPass(`user_id = "nobody@` + ct.Domain + `"`), errorMatching("User not found", "Check the object id")},
		{"malformed user id", handedOverPass(`user_id = "not a user"`), errorMatching("neither an object id (GUID) nor a user principal name")},
		{"removing passwords", handedOverPass(user(ct.hire, `remove_methods = ["password"]`)), errorMatching("remove_methods", "value must be one of")},

		// Managed pass.
		{"managed: lifetime above the policy maximum", managedPass(user(ct.hire, "lifetime_in_minutes = 600")), errorMatching("Lifetime outside the tenant policy's range", "allows 60 to 480")},
		{"managed: user in an excluded group", managedPass(user(ct.admin, "")), errorMatching("User not in the Temporary Access Pass policy's scope")},
		{"managed: removing an unknown method type", managedPass(user(ct.hire, `remove_methods = ["yubikey"]`)), errorMatching("remove_methods", "value must be one of")},
		{"managed: start in the past", managedPass(user(ct.hire, `start_date_time = "2021-06-01T08:00:00Z"`)), errorMatching("Start time in the past")},
		{"managed: delivery without a channel", managedPass(user(ct.hire, `delivery = {}`)), errorMatching("No delivery channel", "delivery.ephemeral = true")},
		{"managed: removing methods with a hand-over", handedOverPass(user(ct.hire, `remove_methods = ["fido2"]`)), errorMatching("remove_methods needs a delivery the provider confirms")},
		{"managed: two passes for one user (id and UPN)", managedPass(user(ct.hire, "")) + "resource \"entra_temporary_access_pass\" \"again\" {\n" +
			fmt.Sprintf("user_id = %q\n}\n", ct.hire.UserPrincipalName), errorMatching("Two passes for one user")},
		{"managed: two passes for one user (UPN in another case)", managedPass(fmt.Sprintf("user_id = %q", ct.hire.UserPrincipalName)) + "resource \"entra_temporary_access_pass\" \"again\" {\n" +
			fmt.Sprintf("user_id = %q\n}\n", strings.ToUpper(ct.hire.UserPrincipalName)), errorMatching("Two passes for one user")},
		{"managed: two passes for one user (for_each)", "resource \"entra_temporary_access_pass\" \"each\" {\n" +
			fmt.Sprintf("for_each = toset([%q, %q])\nuser_id = each.value\n}\n", ct.hire.ID, strings.ToUpper(ct.hire.ID)), errorMatching("Two passes for one user")},
		{"hand-over: malformed pass id", `ephemeral "entra_temporary_access_pass" "x" {` + "\n  pass_id = \"pass-1\"\n  applying = terraform.applying\n}\n", errorMatching("pass_id", "is not an object id")},
		{"hand-over: applying missing", `ephemeral "entra_temporary_access_pass" "x" {` + "\n  pass_id = \"6f1967b7-15e8-4935-ac26-d50770ed07a7\"\n}\n", errorMatching(`The argument "applying" is required`)},

		// Data sources.
		{"methods of a malformed user", `data "entra_user_authentication_methods" "x" { user_id = "linus" }`, errorMatching("user_id", "neither an object id (GUID) nor a user principal name")},
		{"methods of an unknown user", `data "entra_user_authentication_methods" "x" { user_id = "nobody@` + ct.Domain + `" }`, errorMatching("User not found")},
	}
	// Cases whose configuration reads better built here.
	for i := range cases {
		switch cases[i].name {
		case "malformed tenant id":
			cases[i].config = strings.Replace(providerBlock(""), fmt.Sprintf("tenant_id = %q", ct.TenantID), `tenant_id = "contoso tenant"`, 1)
			cases[i].want = errorMatching("tenant_id", `"contoso tenant" is not a tenant id`)
		case "every sign-in method off":
			cases[i].config = strings.Replace(providerBlock("use_cli = false"), fmt.Sprintf("tenant_id = %q", ct.TenantID), `tenant_id = "`+ct.TenantID+`"`+"\n  client_secret_file_path = \"/dev/null\"", 1)
			cases[i].want = errorMatching("No way to sign in to Microsoft Entra ID", "use_cli = true")
		}
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			acctest.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: ct.Config(c.config), ExpectError: c.want}},
			})
		})
	}
	t.Run("policy disabled", func(t *testing.T) {
		hire := fresh.CreateUser("hire")
		fresh.ClearRequests()
		acctest.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps: []resource.TestStep{{Config: fresh.Config(handedOverPass(user(hire, ""))),
				ExpectError: errorMatching("Temporary Access Pass is disabled in the tenant", "enabled = true")}},
		})
	})
	t.Cleanup(func() {
		for _, tn := range []*acctest.Tenant{ct.Tenant, fresh} {
			if c := tn.Counters(); c.Writes != 0 {
				t.Errorf("%d bad inputs caused writes to Graph: %v", len(cases)+1, c.ByRoute)
			}
		}
		if !t.Failed() {
			summary := fmt.Sprintf("bad-input catalogue (%s): %d invalid configurations, each rejected at plan with 0 writes to Graph", acctest.CLIName(), len(cases)+1)
			t.Log(summary)
			acctest.Report(summary)
		}
	})
}
