package provider

import (
	"context"
	"math/big"
	"os"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
)

// The CLI on this machine is older than 1.14, so actions and list resources are also exercised through
// the provider protocol, the way the framework's own tests do: a provider server configured for a tenant,
// called directly.

// protocolServer is a provider server configured for the tenant, and its schemas.
type protocolServer struct {
	tfprotov6.ProviderServer
	schemas *tfprotov6.GetProviderSchemaResponse
}

func newProtocolServer(t testing.TB, tenant *acctest.Tenant) protocolServer {
	t.Helper()
	ctx := context.Background()
	server, err := protoV6ProviderFactories["entra"]()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	config := objectValue(t, schemas.Provider.ValueType(), map[string]tftypes.Value{"tenant_id": tftypes.NewValue(tftypes.String, tenant.TenantID)})
	resp, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: &config})
	if err != nil {
		t.Fatal(err)
	}
	failOnDiagnostics(t, "configure", resp.Diagnostics)
	return protocolServer{ProviderServer: server, schemas: schemas}
}

// objectValue builds a DynamicValue of an object type with the given attributes and every other one null.
func objectValue(t testing.TB, typ tftypes.Type, set map[string]tftypes.Value) tfprotov6.DynamicValue {
	t.Helper()
	obj, ok := typ.(tftypes.Object)
	if !ok {
		t.Fatalf("not an object type: %s", typ)
	}
	vals := map[string]tftypes.Value{}
	for name, attrType := range obj.AttributeTypes {
		if v, ok := set[name]; ok {
			vals[name] = v
		} else {
			vals[name] = tftypes.NewValue(attrType, nil)
		}
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		t.Fatal(err)
	}
	return dv
}

func stringSet(values ...string) tftypes.Value {
	elems := make([]tftypes.Value, len(values))
	for i, v := range values {
		elems[i] = tftypes.NewValue(tftypes.String, v)
	}
	return tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, elems)
}

func failOnDiagnostics(t testing.TB, what string, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			t.Fatalf("%s: %s: %s", what, d.Summary, d.Detail)
		}
	}
}

// acctestEnabled reports whether acceptance tests run (they need the emulator's tenants).
func acctestEnabled() bool { return os.Getenv("TF_ACC") != "" }

// identitySchema returns the identity type of a resource.
func (s protocolServer) identitySchema(t testing.TB, typeName string) tftypes.Type {
	t.Helper()
	resp, err := s.GetResourceIdentitySchemas(context.Background(), &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		t.Fatal(err)
	}
	schema, ok := resp.IdentitySchemas[typeName]
	if !ok {
		t.Fatalf("no identity schema for %s", typeName)
	}
	return schema.ValueType()
}

// typedValue converts a Go value (map[string]any, string, bool, int, []string) to a Terraform value of typ,
// every attribute missing from a map null.
func typedValue(t testing.TB, typ tftypes.Type, v any) tftypes.Value {
	t.Helper()
	if v == nil {
		return tftypes.NewValue(typ, nil)
	}
	switch typ := typ.(type) {
	case tftypes.Object:
		in, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("want a map for %s, got %T", typ, v)
		}
		vals := map[string]tftypes.Value{}
		for name, at := range typ.AttributeTypes {
			vals[name] = typedValue(t, at, in[name])
		}
		return tftypes.NewValue(typ, vals)
	case tftypes.List, tftypes.Set:
		var elem tftypes.Type
		if l, ok := typ.(tftypes.List); ok {
			elem = l.ElementType
		} else {
			elem = typ.(tftypes.Set).ElementType
		}
		var elems []tftypes.Value
		for _, s := range v.([]string) {
			elems = append(elems, tftypes.NewValue(elem, s))
		}
		return tftypes.NewValue(typ, elems)
	}
	if i, ok := v.(int); ok {
		return tftypes.NewValue(typ, big.NewFloat(float64(i)))
	}
	return tftypes.NewValue(typ, v)
}

// invokeAction invokes an action through the protocol and returns its progress and diagnostics.
func invokeAction(t *testing.T, server protocolServer, actionType string, config map[string]any) ([]string, []*tfprotov6.Diagnostic) {
	t.Helper()
	schema := server.schemas.ActionSchemas[actionType]
	if schema == nil {
		t.Fatalf("no action schema %s", actionType)
	}
	dv, err := tfprotov6.NewDynamicValue(schema.Schema.ValueType(), typedValue(t, schema.Schema.ValueType(), config))
	if err != nil {
		t.Fatal(err)
	}
	// An interface of our own: the one terraform-plugin-go names is deprecated while its methods move.
	actions, ok := server.ProviderServer.(interface {
		InvokeAction(context.Context, *tfprotov6.InvokeActionRequest) (*tfprotov6.InvokeActionServerStream, error)
	})
	if !ok {
		t.Fatal("the provider server does not serve actions")
	}
	stream, err := actions.InvokeAction(context.Background(), &tfprotov6.InvokeActionRequest{ActionType: actionType, Config: &dv})
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
