package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// Faults a real tenant produces, injected through the emulator: each must end in the right outcome, with
// nothing lost and nothing duplicated.

func addFault(t *testing.T, tenant *acctest.Tenant, f control.Fault) {
	t.Helper()
	if _, err := acctest.Control().AddFault(context.Background(), tenant.TenantID, f); err != nil {
		t.Fatal(err)
	}
}

// statuses returns the statuses Graph answered on a route, in order.
func statuses(t *testing.T, tenant *acctest.Tenant, route string) []int {
	t.Helper()
	reqs, err := acctest.Control().Requests(context.Background(), tenant.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, r := range reqs {
		if r.Route == route {
			out = append(out, r.Status)
		}
	}
	return out
}

func TestAccReliability_throttledWithRetryAfterSecondsIsRetried(t *testing.T) {
	tenant := acctest.NewTenant(t)
	addFault(t, tenant, control.Fault{Method: "GET", Path: "authenticationMethodConfigurations", Status: 429, ErrorCode: "TooManyRequests",
		RetryAfter: control.RetryAfter("1"), Count: 3})
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: tenant.Config(`data "entra_temporary_access_pass_policy" "this" {}`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.entra_temporary_access_pass_policy.this", tfjsonpath.New("maximum_lifetime_in_minutes"), knownvalue.Int64Exact(480)),
			},
		}},
	})
	got := statuses(t, tenant, acctest.RouteGetPolicy)
	if len(got) < 4 || got[0] != 429 || got[1] != 429 || got[2] != 429 || got[3] != 200 {
		t.Fatalf("want three 429s retried to a 200, got %v", got)
	}
}

func TestAccReliability_throttledWithRetryAfterDateIssuesOnePass(t *testing.T) {
	tenant := acctest.NewTenant(t, acctest.PassesInState())
	tenant.EnableTAP(nil)
	ada := tenant.CreateUser("ada")
	addFault(t, tenant, control.Fault{Method: "POST", Path: "temporaryAccessPassMethods", Status: 429, ErrorCode: "TooManyRequests",
		RetryAfter: control.RetryAfter(time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)), Count: 2})
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: tenant.Config(fmt.Sprintf(`resource "entra_temporary_access_pass" "this" { user_id = %q }`, ada.ID)),
		}},
	})
	created := 0
	for _, s := range statuses(t, tenant, acctest.RouteCreateTAP) {
		if s == http.StatusCreated {
			created++
		}
	}
	if created != 1 || len(tenant.IssuedPasses()) != 1 {
		t.Fatalf("throttled creation must issue exactly one pass: %d created, statuses %v", created, statuses(t, tenant, acctest.RouteCreateTAP))
	}
}

func TestAccReliability_unavailableBurstsAreRetried(t *testing.T) {
	tenant := acctest.NewTenant(t, acctest.PassesInState())
	tenant.EnableTAP(nil)
	ada := tenant.CreateUser("ada")
	// User reads are GET /users?$filter=… (one request for many users).
	addFault(t, tenant, control.Fault{Method: "GET", Path: "^/v1.0/users$", Status: 503, ErrorCode: "serviceNotAvailable", Count: 2})
	addFault(t, tenant, control.Fault{Method: "GET", Path: "^/v1.0/users$", Status: 504, ErrorCode: "gatewayTimeout", Count: 1, Skip: 0})
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: passInState(tenant, ada.ID, ""),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(passAddr, tfjsonpath.New("is_usable"), knownvalue.Bool(true)),
			},
		}},
	})
	failed := 0
	for _, s := range statuses(t, tenant, routeLookUpUsers) {
		if s >= 500 {
			failed++
		}
	}
	if failed != 3 {
		t.Fatalf("want the 3 injected 503/504 answers retried, saw %d", failed)
	}
}

func TestAccReliability_throttlingPastTheTimeoutFailsClearly(t *testing.T) {
	tenant := acctest.NewTenant(t)
	addFault(t, tenant, control.Fault{Method: "PATCH", Path: "authenticationMethodConfigurations", Status: 429, ErrorCode: "TooManyRequests",
		RetryAfter: control.RetryAfter("2")})
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: tenant.Config(`
resource "entra_temporary_access_pass_policy" "this" {
  enabled  = true
  timeouts = { create = "5s" }
}
`),
			ExpectError: errorMatching("HTTP 429 TooManyRequests", "request-id", "kept throttling or was unavailable until the operation's timeout"),
		}},
	})
}

func TestAccReliability_userCreatedMomentsAgoIsWaitedFor(t *testing.T) {
	// Parallel before the setup: a parallel test pauses at t.Parallel, which would let the lag expire.
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test")
	}
	t.Parallel()
	tenant := acctest.NewTenant(t, acctest.PassesInState())
	tenant.EnableTAP(nil)
	// For 6 seconds after its creation the new user answers 404, as a user created by another resource
	// in the same run can.
	if _, err := acctest.Control().PatchSettings(context.Background(), tenant.TenantID, control.Settings{"replicationLagSeconds": 6}); err != nil {
		t.Fatal(err)
	}
	// Created with a bare POST: reading it back would wait out the lag the test is about.
	created, err := tenant.Graph.Do(tenant.Context(), http.MethodPost, "/users", map[string]any{
		"accountEnabled": true, "displayName": "New hire", "userPrincipalName": "hire@" + tenant.Domain, "mailNickname": "hire",
		"passwordProfile": map[string]any{"password": "Emu-" + time.Now().Format("150405.000000")},
	})
	if err != nil || created.Status != http.StatusCreated {
		t.Fatalf("creating the user: %v %v", created, err)
	}
	var hire control.User
	if err := created.JSON(&hire); err != nil {
		t.Fatal(err)
	}
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			// The id is unknown while planning (it comes through terraform_data, like an azuread_user's id).
			Config: tenant.Config(fmt.Sprintf(`
resource "terraform_data" "hire" {
  input = { id = %q, created = timestamp() }
}

resource "entra_temporary_access_pass" "this" {
  user_id = terraform_data.hire.output.id
}
`, hire.ID)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(passAddr, tfjsonpath.New("user_object_id"), knownvalue.StringExact(hire.ID)),
			},
			ExpectNonEmptyPlan: true, // timestamp() changes at every plan
		}},
	})
	// The user lookup (GET /users?$filter) may already list the new user; the pass creation, addressed to the
	// user, waits out the lag.
	notFound := 0
	for _, route := range []string{acctest.RouteGetUser, acctest.RouteCreateTAP} {
		for _, s := range statuses(t, tenant, route) {
			if s == http.StatusNotFound {
				notFound++
			}
		}
	}
	if notFound == 0 {
		t.Fatal("the test did not exercise replication lag: no 404 was answered")
	}
}

// A creation whose answer is lost after Graph acted: the provider issues again (which replaces the pass
// nobody received), so exactly one pass exists and it is the one in state.
func TestAccReliability_lostCreationAnswerLeavesOneReadablePass(t *testing.T) {
	tenant := acctest.NewTenant(t, acctest.PassesInState())
	tenant.EnableTAP(nil)
	ada := tenant.CreateUser("ada")
	addFault(t, tenant, control.Fault{Method: "POST", Path: "temporaryAccessPassMethods", Drop: "after", Count: 1})
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: tenant.Config(fmt.Sprintf(`resource "entra_temporary_access_pass" "this" { user_id = %q }`, ada.ID)),
			Check: func(s *terraform.State) error {
				value, id, _, err := statePass(s)
				if err != nil {
					return err
				}
				passes, err := tenant.Graph.ListTAPs(context.Background(), ada.ID)
				if err != nil {
					return err
				}
				if len(passes) != 1 || passes[0]["id"] != id {
					return fmt.Errorf("want exactly the pass in state, the tenant holds %v", passes)
				}
				res, err := acctest.Control().SignIn(context.Background(), tenant.TenantID, ada.ID, value)
				if err != nil {
					return err
				}
				if !res.Success {
					return fmt.Errorf("the pass in state does not work: %s", res.Reason)
				}
				if n := len(tenant.IssuedPasses()); n != 2 {
					return fmt.Errorf("want one lost and one delivered pass issued, got %d", n)
				}
				return nil
			},
		}},
	})
}

// When issuing again fails too, the pass Graph created without an answer is revoked and the error says so.
func TestAccReliability_lostAnswersTwiceRevokeTheOrphan(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	ada := tenant.CreateUser("ada")
	addFault(t, tenant, control.Fault{Method: "POST", Path: "temporaryAccessPassMethods", Drop: "after", Count: 2})
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      tenant.Config(fmt.Sprintf(`resource "entra_temporary_access_pass" "this" { user_id = %q }`, ada.ID)),
			ExpectError: errorMatching("Issuing a pass for", "issuing again failed too", "without its answer reaching the provider; it has been revoked"),
		}},
	})
	passes, err := tenant.Graph.ListTAPs(context.Background(), ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(passes) != 0 {
		t.Fatalf("no unreadable pass may be left behind, the user holds %v", passes)
	}
}

// A missing permission is named, with the role to grant, instead of a bare 403.
func TestAccReliability_missingPermissionIsNamed(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	ada := tenant.CreateUser("ada")
	app, err := acctest.Control().CreateApp(context.Background(), tenant.TenantID, control.App{
		Roles: []string{"Policy.Read.AuthenticationMethod", "User.Read.All", "UserAuthMethod-TAP.Read.All"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The secret goes through a file, as in a pipeline, so that it is in no configuration or plan.
	secretFile := filepath.Join(t.TempDir(), "client-secret")
	if err := os.WriteFile(secretFile, []byte(app.ClientSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: tenant.Config(fmt.Sprintf(`
provider "entra" {
  alias                   = "reader"
  tenant_id               = %q
  client_id               = %q
  client_secret_file_path = %q
}

resource "entra_temporary_access_pass" "this" {
  provider = entra.reader
  user_id  = %q
}
`, tenant.TenantID, app.ClientID, secretFile, ada.ID)),
			ExpectError: errorMatching("HTTP 403", "Grant it UserAuthMethod-TAP.ReadWrite.All", "admin consent"),
		}},
	})
}

// Several plans against the same tenant at once do not interfere.
func TestAccReliability_parallelPlansOnOneTenant(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	users := []control.User{tenant.CreateUser("u1"), tenant.CreateUser("u2"), tenant.CreateUser("u3")}
	tenant.ClearRequests()
	for i, u := range users {
		t.Run(fmt.Sprintf("plan%d", i), func(t *testing.T) {
			acctest.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: tenant.Config(fmt.Sprintf(`
data "entra_temporary_access_pass_policy" "this" {}
resource "entra_temporary_access_pass" "check" {
  user_id = %q
}
`, u.UserPrincipalName)),
					PlanOnly:           true,
					ExpectNonEmptyPlan: true,
				}},
			})
		})
	}
	t.Cleanup(func() {
		if c := tenant.Counters(); c.Writes != 0 {
			t.Errorf("validating plans wrote to Graph: %v", c.ByRoute)
		}
	})
}

// Graph creates the pass and then answers 500 (issue 10): the outcome is unknown to the provider, which issues
// again, replacing the pass nobody received; exactly one pass is live and it is the one delivered.
func TestAccReliability_serverErrorAfterCreationIsReissued(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(map[string]any{"isUsableOnce": false})
	ada := tenant.CreateUser("ada")
	key := vaultID(tenant) + "/tap-hire"
	addFault(t, tenant, control.Fault{Method: "POST", Path: "temporaryAccessPassMethods", FailAfter: true, Status: 500, ErrorCode: "generalException", Count: 1})
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithConsumers,
		Steps: []resource.TestStep{{
			Config: handoverConfig(tenant, ada.ID, "", ""),
			Check:  heldExactly(t, tenant, ada.ID, key, 2, 1),
		}},
	})
}

// When Graph acts and fails twice, the pass it created is revoked and the error names the user and the pass;
// the next plain apply issues and delivers one (issue 10).
func TestAccReliability_serverErrorAfterCreationTwiceRevokesThenRepairs(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(map[string]any{"isUsableOnce": false})
	ada := tenant.CreateUser("ada")
	key := vaultID(tenant) + "/tap-hire"
	addFault(t, tenant, control.Fault{Method: "POST", Path: "temporaryAccessPassMethods", FailAfter: true, Status: 500, ErrorCode: "generalException", Count: 2})
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithConsumers,
		Steps: []resource.TestStep{
			{
				Config:      handoverConfig(tenant, ada.ID, "", ""),
				ExpectError: errorMatching("Issuing a pass for "+ada.UserPrincipalName, "it has been revoked", "Apply again"),
			},
			{
				PreConfig: func() {
					if l := tenant.Ledger(key, ada.ID); l.Minted != 2 || len(l.Live) != 0 || l.Delivered != 0 {
						t.Errorf("after the failed apply: %s; want 2 minted, none live, none delivered", l)
					}
				},
				Config: handoverConfig(tenant, ada.ID, "", ""),
				Check:  heldExactly(t, tenant, ada.ID, key, 3, 1),
			},
		},
	})
}
