package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// loadPasses is the number of passes the load test issues in one apply.
const loadPasses = 500

// TestAccLoad_passesUnderThrottling issues 500 passes in one apply (for_each) while Graph throttles one
// request in five, hands each to a Key Vault secret, and checks that every pass was issued exactly once and
// that each consumer holds a live pass of its user. It runs when ENTRA_LOAD_TEST=1 (CI sets it).
func TestAccLoad_passesUnderThrottling(t *testing.T) {
	if mode := os.Getenv("ENTRA_LOAD_TEST"); mode != "1" && mode != "all" {
		t.Skip("set ENTRA_LOAD_TEST=1 to issue 500 passes under throttling")
	}
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	users := createUsers(t, tenant, loadPasses)
	tenant.ClearRequests()
	// One Graph request in five is throttled, with a one-second Retry-After (seeded, so runs repeat).
	addFault(t, tenant, control.Fault{Path: "^/v1.0/", Status: http.StatusTooManyRequests, ErrorCode: "TooManyRequests",
		RetryAfter: control.RetryAfter("1"), Probability: 0.2})

	ids := userIDs(users)
	started := time.Now()
	var elapsed time.Duration
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithConsumers,
		Steps: []resource.TestStep{{
			Config: passConfig(tenant, ids, ""),
			ConfigStateChecks: []statecheck.StateCheck{stateCheckFunc(func() error {
				elapsed = time.Since(started)
				l := tenant.Ledger(vaultID(tenant)+"/tap-", ids...)
				if l.Delivered != loadPasses || len(l.Live) != loadPasses {
					return fmt.Errorf("%s; want %d delivered and live", l, loadPasses)
				}
				return nil
			})},
		}},
	})

	counters := tenant.Counters()
	created := 0
	for _, s := range statuses(t, tenant, acctest.RouteCreateTAP) {
		if s == http.StatusCreated {
			created++
		}
	}
	if created != loadPasses || len(tenant.IssuedPasses()) != loadPasses {
		t.Fatalf("want exactly %d passes issued, Graph created %d (issued secrets: %d)", loadPasses, created, len(tenant.IssuedPasses()))
	}
	summary := fmt.Sprintf("load test (%s): %d passes issued once each in one apply, in %s, with %d of %d Graph requests throttled (429, Retry-After 1)",
		acctest.CLIName(), loadPasses, elapsed.Round(time.Second), counters.ByStatus["429"], counters.Total)
	t.Log(summary)
	acctest.Report(summary)
}

// createUsers creates n users concurrently through Graph.
func createUsers(t *testing.T, tenant *acctest.Tenant, n int) []control.User {
	t.Helper()
	users := make([]control.User, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			u, err := tenant.Graph.CreateUser(context.Background(), fmt.Sprintf("User %03d", i), fmt.Sprintf("user%03d@%s", i, tenant.Domain))
			if err != nil {
				errs <- err
				return
			}
			users[i] = u
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sort.Slice(users, func(i, j int) bool { return strings.Compare(users[i].ID, users[j].ID) < 0 })
	return users
}
