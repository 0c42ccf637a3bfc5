package provider

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// modelCodec converts between a resource's model struct and the object values Terraform sends and receives,
// as tfsdk's Get and Set do, with the struct's layout worked out once. The framework works it out at every call
// and compiles a regular expression per field to check its tag (internal/reflect.isValidFieldName): for the
// managed pass, a fifth of the provider's CPU per pass in the benchmarks. A value converted here is checked
// against the schema's type by the framework when it is set (Plan.Set, State.Set with a tftypes.Value).
type modelCodec[T any] struct {
	schema func() map[string]attr.Type

	once   sync.Once
	err    error
	fields []codecField
	typ    tftypes.Object
}

type codecField struct {
	name  string
	index int
	typ   attr.Type
	tf    tftypes.Type
}

// newResourceCodec builds the codec of a resource's model from the resource's schema.
func newResourceCodec[T any](r resource.Resource) *modelCodec[T] {
	return &modelCodec[T]{schema: func() map[string]attr.Type {
		var resp resource.SchemaResponse
		r.Schema(context.Background(), resource.SchemaRequest{}, &resp)
		types := make(map[string]attr.Type, len(resp.Schema.Attributes))
		for name, a := range resp.Schema.Attributes {
			types[name] = a.GetType()
		}
		return types
	}}
}

func (c *modelCodec[T]) init(ctx context.Context) error {
	c.once.Do(func() {
		types := c.schema()
		st := reflect.TypeFor[T]()
		attrTypes := make(map[string]tftypes.Type, len(types))
		seen := map[string]bool{}
		for i := 0; i < st.NumField(); i++ {
			name := st.Field(i).Tag.Get("tfsdk")
			t, ok := types[name]
			if !ok {
				c.err = fmt.Errorf("model field %s has no attribute %q in the schema", st.Field(i).Name, name)
				return
			}
			f := codecField{name: name, index: i, typ: t, tf: t.TerraformType(ctx)}
			c.fields = append(c.fields, f)
			attrTypes[name] = f.tf
			seen[name] = true
		}
		for name := range types {
			if !seen[name] {
				c.err = fmt.Errorf("attribute %q has no field in the model", name)
				return
			}
		}
		c.typ = tftypes.Object{AttributeTypes: attrTypes}
	})
	return c.err
}

// get decodes raw, an object of the schema's type (or null), into dst.
func (c *modelCodec[T]) get(ctx context.Context, raw tftypes.Value, dst *T) diag.Diagnostics {
	var diags diag.Diagnostics
	if err := c.init(ctx); err != nil {
		diags.AddError("Provider error", "Decoding a value: "+err.Error()+". Please report this issue to the provider developers.")
		return diags
	}
	var vals map[string]tftypes.Value
	if !raw.IsNull() && raw.IsKnown() {
		if err := raw.As(&vals); err != nil {
			diags.AddError("Provider error", "Decoding a value: "+err.Error()+". Please report this issue to the provider developers.")
			return diags
		}
	}
	out := reflect.ValueOf(dst).Elem()
	for _, f := range c.fields {
		v, ok := vals[f.name]
		if !ok {
			v = tftypes.NewValue(f.tf, nil)
		}
		av, err := f.typ.ValueFromTerraform(ctx, v)
		if err != nil {
			diags.AddError("Provider error", fmt.Sprintf("Decoding %s: %s. Please report this issue to the provider developers.", f.name, err))
			return diags
		}
		out.Field(f.index).Set(reflect.ValueOf(av))
	}
	return diags
}

// value encodes src as an object of the schema's type.
func (c *modelCodec[T]) value(ctx context.Context, src *T) (tftypes.Value, diag.Diagnostics) {
	var diags diag.Diagnostics
	if err := c.init(ctx); err != nil {
		diags.AddError("Provider error", "Encoding a value: "+err.Error()+". Please report this issue to the provider developers.")
		return tftypes.Value{}, diags
	}
	in := reflect.ValueOf(src).Elem()
	vals := make(map[string]tftypes.Value, len(c.fields))
	for _, f := range c.fields {
		av, ok := in.Field(f.index).Interface().(attr.Value)
		if !ok {
			diags.AddError("Provider error", "Encoding "+f.name+": not an attr.Value. Please report this issue to the provider developers.")
			return tftypes.Value{}, diags
		}
		tv, err := av.ToTerraformValue(ctx)
		if err != nil {
			diags.AddError("Provider error", fmt.Sprintf("Encoding %s: %s. Please report this issue to the provider developers.", f.name, err))
			return tftypes.Value{}, diags
		}
		vals[f.name] = tv
	}
	return tftypes.NewValue(c.typ, vals), diags
}

// setter is what tfsdk.Plan and tfsdk.State have in common.
type setter interface {
	Set(ctx context.Context, val any) diag.Diagnostics
}

// set encodes src and sets it on a plan or a state.
func (c *modelCodec[T]) set(ctx context.Context, to setter, src *T) diag.Diagnostics {
	v, diags := c.value(ctx, src)
	if diags.HasError() {
		return diags
	}
	return to.Set(ctx, v)
}

// passCodec is the managed pass's.
var passCodec = newResourceCodec[temporaryAccessPassModel](NewTemporaryAccessPassResource())
