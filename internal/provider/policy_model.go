package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/entra-tap/terraform-provider-entra/internal/tap"
)

// policyModel is the Terraform shape of the tenant's TAP policy, shared by the resource and the data source.
type policyModel struct {
	ID                       types.String `tfsdk:"id"`
	Enabled                  types.Bool   `tfsdk:"enabled"`
	DefaultLength            types.Int64  `tfsdk:"default_length"`
	DefaultLifetimeInMinutes types.Int64  `tfsdk:"default_lifetime_in_minutes"`
	MinimumLifetimeInMinutes types.Int64  `tfsdk:"minimum_lifetime_in_minutes"`
	MaximumLifetimeInMinutes types.Int64  `tfsdk:"maximum_lifetime_in_minutes"`
	IsUsableOnce             types.Bool   `tfsdk:"is_usable_once"`
	IncludeTargets           types.Set    `tfsdk:"include_targets"`
	ExcludeTargets           types.Set    `tfsdk:"exclude_targets"`
}

var includeTargetType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"id": types.StringType, "target_type": types.StringType, "is_registration_required": types.BoolType,
}}

var excludeTargetType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"id": types.StringType, "target_type": types.StringType,
}}

// policyID is the Terraform id of the singleton policy: its Graph key.
const policyID = "TemporaryAccessPass"

// fromGraph fills every attribute from what Graph returned.
func (m *policyModel) fromGraph(p tap.Policy) diag.Diagnostics {
	var diags diag.Diagnostics
	m.ID = types.StringValue(policyID)
	m.Enabled = types.BoolValue(p.Enabled)
	m.DefaultLength = types.Int64Value(int64(p.DefaultLength))
	m.DefaultLifetimeInMinutes = types.Int64Value(int64(p.DefaultLifetimeInMinutes))
	m.MinimumLifetimeInMinutes = types.Int64Value(int64(p.MinimumLifetimeInMinutes))
	m.MaximumLifetimeInMinutes = types.Int64Value(int64(p.MaximumLifetimeInMinutes))
	m.IsUsableOnce = types.BoolValue(p.IsUsableOnce)

	// Built directly rather than with SetValueFrom: reflection made large policies slow to map
	// (BenchmarkPolicyModelRoundTrip).
	include := make([]attr.Value, 0, len(p.IncludeTargets))
	for _, t := range p.IncludeTargets {
		include = append(include, types.ObjectValueMust(includeTargetType.AttrTypes, map[string]attr.Value{
			"id": types.StringValue(t.ID), "target_type": types.StringValue(t.Type), "is_registration_required": types.BoolValue(t.IsRegistrationRequired),
		}))
	}
	var d diag.Diagnostics
	m.IncludeTargets, d = types.SetValue(includeTargetType, include)
	diags.Append(d...)

	exclude := make([]attr.Value, 0, len(p.ExcludeTargets))
	for _, t := range p.ExcludeTargets {
		exclude = append(exclude, types.ObjectValueMust(excludeTargetType.AttrTypes, map[string]attr.Value{
			"id": types.StringValue(t.ID), "target_type": types.StringValue(t.Type),
		}))
	}
	m.ExcludeTargets, d = types.SetValue(excludeTargetType, exclude)
	diags.Append(d...)
	return diags
}

// fillUnknownFrom replaces every unknown attribute with the value in from (the tenant's current policy).
func (m *policyModel) fillUnknownFrom(from policyModel) {
	if m.Enabled.IsUnknown() {
		m.Enabled = from.Enabled
	}
	if m.DefaultLength.IsUnknown() {
		m.DefaultLength = from.DefaultLength
	}
	if m.DefaultLifetimeInMinutes.IsUnknown() {
		m.DefaultLifetimeInMinutes = from.DefaultLifetimeInMinutes
	}
	if m.MinimumLifetimeInMinutes.IsUnknown() {
		m.MinimumLifetimeInMinutes = from.MinimumLifetimeInMinutes
	}
	if m.MaximumLifetimeInMinutes.IsUnknown() {
		m.MaximumLifetimeInMinutes = from.MaximumLifetimeInMinutes
	}
	if m.IsUsableOnce.IsUnknown() {
		m.IsUsableOnce = from.IsUsableOnce
	}
	if m.IncludeTargets.IsUnknown() {
		m.IncludeTargets = from.IncludeTargets
	}
	if m.ExcludeTargets.IsUnknown() {
		m.ExcludeTargets = from.ExcludeTargets
	}
}

// hasUnknown reports whether any value is still unknown (only possible at apply for values computed
// by other resources in the same run).
func (m policyModel) hasUnknown() bool {
	return m.Enabled.IsUnknown() || m.DefaultLength.IsUnknown() || m.DefaultLifetimeInMinutes.IsUnknown() ||
		m.MinimumLifetimeInMinutes.IsUnknown() || m.MaximumLifetimeInMinutes.IsUnknown() || m.IsUsableOnce.IsUnknown() ||
		m.IncludeTargets.IsUnknown() || m.ExcludeTargets.IsUnknown()
}

// toGraph converts a fully known model to the Graph policy.
func (m policyModel) toGraph() tap.Policy {
	p := tap.Policy{
		Enabled:                  m.Enabled.ValueBool(),
		DefaultLength:            int(m.DefaultLength.ValueInt64()),
		DefaultLifetimeInMinutes: int(m.DefaultLifetimeInMinutes.ValueInt64()),
		MinimumLifetimeInMinutes: int(m.MinimumLifetimeInMinutes.ValueInt64()),
		MaximumLifetimeInMinutes: int(m.MaximumLifetimeInMinutes.ValueInt64()),
		IsUsableOnce:             m.IsUsableOnce.ValueBool(),
		IncludeTargets:           []tap.IncludeTarget{},
		ExcludeTargets:           []tap.Target{},
	}
	for _, el := range m.IncludeTargets.Elements() {
		attrs := objectAttrs(el)
		p.IncludeTargets = append(p.IncludeTargets, tap.IncludeTarget{
			ID: stringAttr(attrs, "id"), Type: stringAttr(attrs, "target_type"), IsRegistrationRequired: boolAttr(attrs, "is_registration_required"),
		})
	}
	for _, el := range m.ExcludeTargets.Elements() {
		attrs := objectAttrs(el)
		p.ExcludeTargets = append(p.ExcludeTargets, tap.Target{ID: stringAttr(attrs, "id"), Type: stringAttr(attrs, "target_type")})
	}
	return p
}

// targetKey is the id and type of a target, read from either target set.
type targetKey struct {
	ID, Type types.String
}

// targetKeys reads the id and type of every element of a target set; ok is false when the set is unknown.
func targetKeys(set types.Set) (keys []targetKey, ok bool) {
	if set.IsUnknown() {
		return nil, false
	}
	for _, el := range set.Elements() {
		obj, isObj := el.(types.Object)
		if !isObj || obj.IsUnknown() {
			return nil, false
		}
		attrs := obj.Attributes()
		id, _ := attrs["id"].(types.String)
		typ, _ := attrs["target_type"].(types.String)
		keys = append(keys, targetKey{ID: id, Type: typ})
	}
	return keys, true
}

func stringAttr(attrs map[string]attr.Value, name string) string {
	v, _ := attrs[name].(types.String)
	return v.ValueString()
}

func boolAttr(attrs map[string]attr.Value, name string) bool {
	v, _ := attrs[name].(types.Bool)
	return v.ValueBool()
}

func objectAttrs(v attr.Value) map[string]attr.Value {
	if obj, ok := v.(types.Object); ok {
		return obj.Attributes()
	}
	return nil
}
