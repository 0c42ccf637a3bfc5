package provider

import (
	"context"
	"sort"

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

type includeTargetModel struct {
	ID                     types.String `tfsdk:"id"`
	TargetType             types.String `tfsdk:"target_type"`
	IsRegistrationRequired types.Bool   `tfsdk:"is_registration_required"`
}

type excludeTargetModel struct {
	ID         types.String `tfsdk:"id"`
	TargetType types.String `tfsdk:"target_type"`
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
func (m *policyModel) fromGraph(ctx context.Context, p tap.Policy) diag.Diagnostics {
	var diags diag.Diagnostics
	m.ID = types.StringValue(policyID)
	m.Enabled = types.BoolValue(p.Enabled)
	m.DefaultLength = types.Int64Value(int64(p.DefaultLength))
	m.DefaultLifetimeInMinutes = types.Int64Value(int64(p.DefaultLifetimeInMinutes))
	m.MinimumLifetimeInMinutes = types.Int64Value(int64(p.MinimumLifetimeInMinutes))
	m.MaximumLifetimeInMinutes = types.Int64Value(int64(p.MaximumLifetimeInMinutes))
	m.IsUsableOnce = types.BoolValue(p.IsUsableOnce)

	include := make([]includeTargetModel, 0, len(p.IncludeTargets))
	for _, t := range p.IncludeTargets {
		include = append(include, includeTargetModel{
			ID: types.StringValue(t.ID), TargetType: types.StringValue(t.Type), IsRegistrationRequired: types.BoolValue(t.IsRegistrationRequired),
		})
	}
	sort.Slice(include, func(i, j int) bool { return include[i].ID.ValueString() < include[j].ID.ValueString() })
	var d diag.Diagnostics
	m.IncludeTargets, d = types.SetValueFrom(ctx, includeTargetType, include)
	diags.Append(d...)

	exclude := make([]excludeTargetModel, 0, len(p.ExcludeTargets))
	for _, t := range p.ExcludeTargets {
		exclude = append(exclude, excludeTargetModel{ID: types.StringValue(t.ID), TargetType: types.StringValue(t.Type)})
	}
	sort.Slice(exclude, func(i, j int) bool { return exclude[i].ID.ValueString() < exclude[j].ID.ValueString() })
	m.ExcludeTargets, d = types.SetValueFrom(ctx, excludeTargetType, exclude)
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
func (m policyModel) toGraph(ctx context.Context) (tap.Policy, diag.Diagnostics) {
	var diags diag.Diagnostics
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
	if !m.IncludeTargets.IsNull() {
		var include []includeTargetModel
		diags.Append(m.IncludeTargets.ElementsAs(ctx, &include, false)...)
		for _, t := range include {
			p.IncludeTargets = append(p.IncludeTargets, tap.IncludeTarget{
				ID: t.ID.ValueString(), Type: t.TargetType.ValueString(), IsRegistrationRequired: t.IsRegistrationRequired.ValueBool(),
			})
		}
	}
	if !m.ExcludeTargets.IsNull() {
		var exclude []excludeTargetModel
		diags.Append(m.ExcludeTargets.ElementsAs(ctx, &exclude, false)...)
		for _, t := range exclude {
			p.ExcludeTargets = append(p.ExcludeTargets, tap.Target{ID: t.ID.ValueString(), Type: t.TargetType.ValueString()})
		}
	}
	return p, diags
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
