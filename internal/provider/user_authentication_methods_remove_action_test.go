package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

// phoneUser has every phone Graph orders removals for, the mobile one being the default method.
func phoneUser(tenant *acctest.Tenant) control.User {
	u := tenant.CreateUser("margaret")
	tenant.SeedMethod(u.ID, control.Method{"type": "phone", "phoneType": "mobile", "phoneNumber": "+1 4255550100", "isDefault": true})
	tenant.SeedMethod(u.ID, control.Method{"type": "phone", "phoneType": "alternateMobile", "phoneNumber": "+1 4255550101"})
	tenant.SeedMethod(u.ID, control.Method{"type": "phone", "phoneType": "office", "phoneNumber": "+1 4255550102"})
	tenant.SeedMethod(u.ID, control.Method{"type": "microsoftAuthenticator", "displayName": "Old phone"})
	return u
}

func invokeRemove(t *testing.T, server protocolServer, user string, types ...string) ([]string, []*tfprotov6.Diagnostic) {
	t.Helper()
	schema := server.schemas.ActionSchemas["entra_user_authentication_methods_remove"]
	if schema == nil {
		t.Fatal("no action schema")
	}
	config := objectValue(t, schema.Schema.ValueType(), map[string]tftypes.Value{
		"user_id":      tftypes.NewValue(tftypes.String, user),
		"method_types": stringSet(types...),
	})
	// An interface of our own: the one terraform-plugin-go names is deprecated while its methods move.
	actions, ok := server.ProviderServer.(interface {
		InvokeAction(context.Context, *tfprotov6.InvokeActionRequest) (*tfprotov6.InvokeActionServerStream, error)
	})
	if !ok {
		t.Fatal("the provider server does not serve actions")
	}
	stream, err := actions.InvokeAction(context.Background(), &tfprotov6.InvokeActionRequest{
		ActionType: "entra_user_authentication_methods_remove", Config: &config,
	})
	if err != nil {
		t.Fatal(err)
	}
	var progress []string
	var diags []*tfprotov6.Diagnostic
	for event := range stream.Events {
		switch e := event.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			progress = append(progress, e.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			diags = append(diags, e.Diagnostics...)
		}
	}
	return progress, diags
}

func TestUserAuthenticationMethodsRemoveAction_protocol(t *testing.T) {
	if !acctestEnabled() {
		t.Skip("needs TF_ACC")
	}
	t.Parallel()
	tenant := acctest.NewTenant(t)
	margaret := phoneUser(tenant)
	tenant.ClearRequests()
	server := newProtocolServer(t, tenant)

	progress, diags := invokeRemove(t, server, margaret.UserPrincipalName, "all")
	// Authenticator first, then office and alternate mobile; Graph does not delete the mobile phone while it is the
	// user's default method (graph-spec §5.2), and the error says what stays and what to do.
	if len(diags) != 1 || !strings.Contains(diags[0].Detail, "default sign-in method") || !strings.Contains(diags[0].Detail, "Not removed: phone mobile") {
		t.Fatalf("the default phone must be reported as not removed, got %+v", diags)
	}
	want := []string{"microsoftAuthenticator", "phone office", "phone alternateMobile"}
	if len(progress) != len(want) {
		t.Fatalf("progress = %q, want %d events", progress, len(want))
	}
	for i, w := range want {
		if !strings.Contains(progress[i], w) {
			t.Errorf("progress[%d] = %q, want it to mention %q", i, progress[i], w)
		}
	}
	// The only refusals are the default phone's: first in order, then once the others were gone.
	if failed := tenant.FailedRequests(); len(failed) != 2 {
		t.Errorf("want the two refusals of the default phone, got %+v", failed)
	}
	methods, err := tenant.Graph.ListMethods(context.Background(), margaret.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(methods) != 2 {
		t.Errorf("the password and the default phone must remain, got %v", methods)
	}
}

func TestUserAuthenticationMethodsRemoveAction_protocolBadInput(t *testing.T) {
	if !acctestEnabled() {
		t.Skip("needs TF_ACC")
	}
	t.Parallel()
	tenant := acctest.NewTenant(t)
	server := newProtocolServer(t, tenant)
	_, diags := invokeRemove(t, server, "ghost@"+tenant.Domain, "fido2")
	if len(diags) == 0 || diags[0].Summary != "User not found" {
		t.Fatalf("an unknown user must be reported, got %+v", diags)
	}
	if c := tenant.Counters(); c.Writes != 0 {
		t.Fatalf("writes: %v", c.ByRoute)
	}
}

// The same through the CLI, for Terraform 1.14 and later (actions are new in 1.14).
func TestAccUserAuthenticationMethodsRemoveAction_trigger(t *testing.T) {
	if acctest.IsOpenTofu() {
		t.Skip("actions are a Terraform 1.14 feature")
	}
	tenant := acctest.NewTenant(t)
	// Her phone held Authenticator, her default method, and her phone number; Graph deletes both (a default
	// phone number it would refuse, graph-spec §5.2, as TestUserAuthenticationMethodsRemoveAction_protocol shows).
	margaret := tenant.CreateUser("margaret")
	tenant.SeedMethod(margaret.ID, control.Method{"type": "microsoftAuthenticator", "displayName": "Lost phone", "isDefault": true})
	tenant.SeedMethod(margaret.ID, control.Method{"type": "phone", "phoneType": "mobile", "phoneNumber": "+1 4255550100"})
	acctest.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		Steps: []resource.TestStep{{
			Config: tenant.Config(fmt.Sprintf(`
action "entra_user_authentication_methods_remove" "lost_phone" {
  config {
    user_id      = %q
    method_types = ["phone", "microsoftAuthenticator"]
  }
}

resource "terraform_data" "helpdesk_ticket" {
  input = "INC0012345"
  lifecycle {
    action_trigger {
      events  = [before_create]
      actions = [action.entra_user_authentication_methods_remove.lost_phone]
    }
  }
}
`, margaret.UserPrincipalName)),
			PostApplyFunc: func() {
				methods, err := tenant.Graph.ListMethods(context.Background(), margaret.ID)
				if err != nil || len(methods) != 1 {
					t.Errorf("the action must leave only the password: %v %v", methods, err)
				}
			},
			Check: func(*terraform.State) error { return nil },
		}},
	})
}
