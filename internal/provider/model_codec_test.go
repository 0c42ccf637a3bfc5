package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The codec reads and writes exactly what the framework's Get and Set do.
func TestModelCodecMatchesTheFramework(t *testing.T) {
	ctx := context.Background()
	var s resource.SchemaResponse
	NewTemporaryAccessPassResource().Schema(ctx, resource.SchemaRequest{}, &s)
	var m temporaryAccessPassModel
	m.planNewPass(temporaryAccessPassModel{LifetimeInMinutes: types.Int64Value(60), IsUsableOnce: types.BoolNull(),
		Delivery: deliveryObject(true)})
	m.UserID, m.StartDateTime = types.StringValue("ada@contoso.com"), types.StringValue("2026-12-07T08:00:00+01:00")
	m.UserObjectID, m.UserPrincipalName = types.StringValue("0b8f4d3c-1a2b-4c5d-8e9f-000000000001"), types.StringValue("ada@contoso.com")
	m.RemoveMethods, m.Triggers = types.SetNull(types.StringType), types.MapValueMust(types.StringType, nil)
	m.Delivery = deliveryObject(true)
	m.Timeouts.Object = types.ObjectNull(map[string]attr.Type{"create": types.StringType, "read": types.StringType, "update": types.StringType, "delete": types.StringType})

	framework := tfsdk.Plan{Schema: s.Schema}
	if d := framework.Set(ctx, &m); d.HasError() {
		t.Fatal(d)
	}
	var viaCodec temporaryAccessPassModel
	if d := passCodec.get(ctx, framework.Raw, &viaCodec); d.HasError() {
		t.Fatal(d)
	}
	ours := tfsdk.Plan{Schema: s.Schema}
	if d := passCodec.set(ctx, &ours, &viaCodec); d.HasError() {
		t.Fatal(d)
	}
	if !ours.Raw.Equal(framework.Raw) {
		t.Errorf("the codec's value differs from the framework's:\n%s\n%s", ours.Raw, framework.Raw)
	}
	var viaFramework temporaryAccessPassModel
	if d := ours.Get(ctx, &viaFramework); d.HasError() {
		t.Fatal(d)
	}
	if !viaFramework.Delivery.Equal(m.Delivery) || !viaFramework.UserObjectID.Equal(m.UserObjectID) || !viaFramework.ID.IsUnknown() {
		t.Errorf("round trip: %+v", viaFramework)
	}
	var fromNull temporaryAccessPassModel
	if d := passCodec.get(ctx, tfsdk.State{Schema: s.Schema}.Raw, &fromNull); d.HasError() || !fromNull.ID.IsNull() {
		t.Errorf("a null value decodes to nulls: %v %+v", d, fromNull)
	}
}

func deliveryObject(ephemeral bool) types.Object {
	return types.ObjectValueMust(deliveryAttrTypes, map[string]attr.Value{"ephemeral": types.BoolValue(ephemeral),
		"email": types.ObjectNull(emailAttrTypes), "key_vault": types.ObjectNull(keyVaultAttrTypes)})
}
