package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
)

func TestAccUserAuthenticationMethodsDataSource_lostKeyUser(t *testing.T) {
	tenant := acctest.NewTenant(t)
	tenant.EnableTAP(nil)
	linus := tenant.LostKeyUser("linus")
	if _, err := tenant.Graph.CreateTAP(tenant.Context(), linus.ID, map[string]any{"lifetimeInMinutes": 60}); err != nil {
		t.Fatal(err)
	}
	const addr = "data.entra_user_authentication_methods.linus"
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: tenant.Config(fmt.Sprintf(`data "entra_user_authentication_methods" "linus" { user_id = %q }`, linus.UserPrincipalName)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("user_object_id"), knownvalue.StringExact(linus.ID)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("method_types"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.StringExact("password"), knownvalue.StringExact("fido2"), knownvalue.StringExact("microsoftAuthenticator"),
					knownvalue.StringExact("email"), knownvalue.StringExact("temporaryAccessPass"),
				})),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("methods"), knownvalue.ListPartial(map[int]knownvalue.Check{})),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("temporary_access_pass").AtMapKey("lifetime_in_minutes"), knownvalue.Int64Exact(60)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("temporary_access_pass").AtMapKey("is_usable"), knownvalue.Bool(true)),
				methodWithDetail{addr: addr, methodType: "fido2", field: "display_name", want: "YubiKey 5C NFC"},
				methodWithDetail{addr: addr, methodType: "microsoftAuthenticator", field: "device", want: "SoftwareTokenActivated"},
				methodWithDetail{addr: addr, methodType: "email", field: "email_address", want: "linus@example.org"},
			},
		}},
	})
}
