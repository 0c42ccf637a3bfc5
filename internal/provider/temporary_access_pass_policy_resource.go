package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/entra-tap/terraform-provider-entra/internal/tap"
)

var (
	_ resource.Resource                   = (*temporaryAccessPassPolicyResource)(nil)
	_ resource.ResourceWithConfigure      = (*temporaryAccessPassPolicyResource)(nil)
	_ resource.ResourceWithImportState    = (*temporaryAccessPassPolicyResource)(nil)
	_ resource.ResourceWithIdentity       = (*temporaryAccessPassPolicyResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*temporaryAccessPassPolicyResource)(nil)
	_ resource.ResourceWithValidateConfig = (*temporaryAccessPassPolicyResource)(nil)
)

// defaultPolicyTimeout bounds each policy operation, retries on throttling included.
const defaultPolicyTimeout = 5 * time.Minute

// NewTemporaryAccessPassPolicyResource manages the tenant's Temporary Access Pass policy.
func NewTemporaryAccessPassPolicyResource() resource.Resource {
	return &temporaryAccessPassPolicyResource{}
}

type temporaryAccessPassPolicyResource struct {
	data *providerData
}

// policyResourceModel is the policy plus the resource's timeouts.
type policyResourceModel struct {
	policyModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

type policyIdentityModel struct {
	ID types.String `tfsdk:"id"`
}

func (r *temporaryAccessPassPolicyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_temporary_access_pass_policy"
}

func (r *temporaryAccessPassPolicyResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	lifetime := func(desc string) schema.Int64Attribute {
		return schema.Int64Attribute{
			Optional: true, Computed: true,
			MarkdownDescription: desc + " Between 10 and 43200 (30 days). When omitted, the tenant's current value is kept and shown in the plan.",
			Validators:          []validator.Int64{int64validator.Between(tap.MinLifetime, tap.MaxLifetime)},
			PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
		}
	}
	targetID := schema.StringAttribute{Required: true,
		MarkdownDescription: "Object id (GUID) of the user or group. In `include_targets`, `all_users` (with `target_type = \"group\"`) stands for everyone."}
	targetType := schema.StringAttribute{Required: true,
		MarkdownDescription: "`group` or `user`: what `id` refers to.",
		Validators:          []validator.String{stringvalidator.OneOf(tap.TargetGroup, tap.TargetUser)}}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages the tenant's **Temporary Access Pass policy**: whether passes can be issued, to whom, for how long, " +
			"how many characters they have and whether they are one-time.\n\n" +
			"The policy is a tenant singleton (`TemporaryAccessPass` in the authentication methods policy), so this resource **adopts** it: " +
			"create sends the configured settings with `PATCH`, and destroy sends Graph's `DELETE`, which **resets the policy to Microsoft's defaults** " +
			"(disabled, all users, 60/480/60 minutes, 8 characters, reusable). Settings you omit keep the tenant's current values, and the plan shows those values. " +
			"Manage the policy from one configuration only: two configurations managing the same tenant policy will overwrite each other at every apply.\n\n" +
			"Every setting is validated while planning, against the documented ranges and against the live tenant (effective minimum ≤ default ≤ maximum, targets that exist), " +
			"so a mistake fails `terraform plan` and nothing is written.\n\n" +
			"Needs the Microsoft Graph application permission `Policy.ReadWrite.AuthenticationMethod` (delegated: Authentication Policy Administrator), " +
			"and `Directory.Read.All` to check that targets exist.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true,
				MarkdownDescription: "Always `TemporaryAccessPass`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"enabled": schema.BoolAttribute{Optional: true, Computed: true,
				MarkdownDescription: "Whether administrators can issue passes and users can sign in with them (Graph `state`). When omitted, the tenant's current state is kept.",
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()}},
			"default_length": schema.Int64Attribute{Optional: true, Computed: true,
				MarkdownDescription: "Number of characters of a new pass, between 8 and 48. When omitted, the tenant's current value is kept.",
				Validators:          []validator.Int64{int64validator.Between(tap.MinLength, tap.MaxLength)},
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()}},
			"minimum_lifetime_in_minutes": lifetime("Shortest lifetime, in minutes, a pass may be issued with."),
			"maximum_lifetime_in_minutes": lifetime("Longest lifetime, in minutes, a pass may be issued with."),
			"default_lifetime_in_minutes": lifetime("Lifetime, in minutes, of a pass issued without one; must lie between the minimum and the maximum."),
			"is_usable_once": schema.BoolAttribute{Optional: true, Computed: true,
				MarkdownDescription: "When `true`, every pass is one-time: it stops working after the first sign-in. When `false`, a pass may be issued one-time or reusable within its lifetime. When omitted, the tenant's current value is kept.",
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()}},
			"include_targets": schema.SetNestedAttribute{Optional: true, Computed: true,
				MarkdownDescription: "Users and groups who may be issued a pass. A set: order does not matter. When omitted, the tenant's current targets are kept.",
				PlanModifiers:       []planmodifier.Set{setplanmodifier.UseStateForUnknown()},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":          targetID,
					"target_type": targetType,
					"is_registration_required": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
						MarkdownDescription: "Whether the targets must register the method. Defaults to `false`."},
				}},
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
			"exclude_targets": schema.SetNestedAttribute{Optional: true, Computed: true,
				MarkdownDescription: "Users and groups who may never be issued a pass, even when included (for example break-glass accounts). " +
					"Set it to `[]` to clear the exclusions. When omitted, the tenant's current exclusions are kept.",
				PlanModifiers: []planmodifier.Set{setplanmodifier.UseStateForUnknown()},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":          schema.StringAttribute{Required: true, MarkdownDescription: "Object id (GUID) of the user or group."},
					"target_type": targetType,
				}},
			},
		},
	}
}

func (r *temporaryAccessPassPolicyResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{RequiredForImport: true,
				Description: "Always `TemporaryAccessPass`: the tenant is chosen by the provider configuration."},
		},
	}
}

func (r *temporaryAccessPassPolicyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks what the configuration alone can tell, so `terraform validate` catches it too.
func (r *temporaryAccessPassPolicyResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var full policyResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &full)...)
	if resp.Diagnostics.HasError() {
		return
	}
	config := full.policyModel
	include, exclude, ok := configuredTargets(config)
	if ok {
		addProblems(&resp.Diagnostics, tap.CheckTargets(include, exclude))
	}
	minimum, def, maximum := config.MinimumLifetimeInMinutes, config.DefaultLifetimeInMinutes, config.MaximumLifetimeInMinutes
	if known(minimum) && known(def) && known(maximum) {
		addProblems(&resp.Diagnostics, tap.CheckLifetimes(setting(minimum), setting(def), setting(maximum)))
	} else if known(minimum) && known(maximum) {
		addProblems(&resp.Diagnostics, tap.CheckLifetimes(setting(minimum), setting(minimum), setting(maximum)))
	}
}

// ModifyPlan shows the tenant's real values for omitted settings on create, and checks the effective
// policy and the targets against the live tenant, so that mistakes fail the plan rather than the apply.
func (r *temporaryAccessPassPolicyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var planFull, configFull policyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &planFull)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &configFull)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan, config := &planFull.policyModel, configFull.policyModel

	var prior *policyModel
	if req.State.Raw.IsNull() {
		live, err := r.data.policy.Get(ctx)
		if err != nil {
			addGraphError(&resp.Diagnostics, "Could not read the Temporary Access Pass policy to plan its changes", err)
			return
		}
		var current policyModel
		resp.Diagnostics.Append(current.fromGraph(live)...)
		plan.fillUnknownFrom(current)
		plan.ID = types.StringValue(policyID)
	} else {
		var state policyResourceModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		prior = &state.policyModel
	}
	if resp.Diagnostics.HasError() {
		return
	}

	if known(plan.MinimumLifetimeInMinutes) && known(plan.DefaultLifetimeInMinutes) && known(plan.MaximumLifetimeInMinutes) {
		addProblems(&resp.Diagnostics, tap.CheckLifetimes(
			effective(plan.MinimumLifetimeInMinutes, config.MinimumLifetimeInMinutes),
			effective(plan.DefaultLifetimeInMinutes, config.DefaultLifetimeInMinutes),
			effective(plan.MaximumLifetimeInMinutes, config.MaximumLifetimeInMinutes)))
	}
	r.checkTargetsExist(ctx, *plan, prior, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.hasUnknown() {
		r.data.policy.SetPlanned(plan.toGraph())
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &planFull)...)
}

// checkTargetsExist looks up, in one request, every target id the plan adds; ids already in state were
// checked when they were added, so a no-change plan costs nothing.
func (r *temporaryAccessPassPolicyResource) checkTargetsExist(ctx context.Context, plan policyModel, prior *policyModel, diags *diag.Diagnostics) {
	planned := map[string]targetRef{}
	collectTargets(plan.IncludeTargets, "include_targets", planned)
	collectTargets(plan.ExcludeTargets, "exclude_targets", planned)
	if prior != nil {
		existing := map[string]targetRef{}
		collectTargets(prior.IncludeTargets, "include_targets", existing)
		collectTargets(prior.ExcludeTargets, "exclude_targets", existing)
		for id := range existing {
			delete(planned, id)
		}
	}
	ids := make([]string, 0, len(planned))
	for id, ref := range planned {
		if tap.IsObjectID(ref.ID) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	sort.Strings(ids)
	found, err := r.data.graph.GetDirectoryObjects(ctx, ids)
	if err != nil {
		addGraphError(diags, "Could not check that the policy's targets exist", err)
		return
	}
	for _, id := range ids {
		ref := planned[id]
		obj, ok := found[id]
		switch {
		case !ok:
			diags.AddAttributeError(path.Root(ref.Attribute), "Target not found in the tenant",
				fmt.Sprintf("No %s with object id %s exists in the tenant. Check the id (a deleted or mistyped group?), or create it first and reference it, e.g. azuread_group.x.object_id.",
					ref.Type, ref.ID))
		case obj.Type != ref.Type:
			diags.AddAttributeError(path.Root(ref.Attribute), "Target type does not match",
				fmt.Sprintf("%s is a %s (%q), but the target says target_type = %q. Set target_type = %q.", ref.ID, obj.Type, obj.DisplayName, ref.Type, obj.Type))
		}
	}
}

type targetRef struct {
	Attribute, ID, Type string
}

func collectTargets(set types.Set, attribute string, into map[string]targetRef) {
	keys, _ := targetKeys(set)
	for _, t := range keys {
		if t.ID.IsUnknown() || t.ID.IsNull() {
			continue
		}
		into[strings.ToLower(t.ID.ValueString())] = targetRef{Attribute: attribute, ID: t.ID.ValueString(), Type: t.Type.ValueString()}
	}
}

func (r *temporaryAccessPassPolicyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan policyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, defaultPolicyTimeout)
	resp.Diagnostics.Append(d...)
	r.save(ctx, &plan, timeout, &resp.State, resp.Identity, &resp.Diagnostics)
}

// save writes the planned policy (create and update are the same PATCH) and records it in state.
func (r *temporaryAccessPassPolicyResource) save(ctx context.Context, plan *policyResourceModel, timeout time.Duration,
	state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r.write(ctx, &plan.policyModel, diags)
	if diags.HasError() {
		return
	}
	diags.Append(state.Set(ctx, plan)...)
	diags.Append(identity.Set(ctx, policyIdentityModel{ID: types.StringValue(policyID)})...)
}

func (r *temporaryAccessPassPolicyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state policyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Read(ctx, defaultPolicyTimeout)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	live, err := r.data.policy.Refresh(ctx)
	if err != nil {
		addGraphError(&resp.Diagnostics, "Could not read the Temporary Access Pass policy", err)
		return
	}
	resp.Diagnostics.Append(state.fromGraph(live)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, policyIdentityModel{ID: types.StringValue(policyID)})...)
}

func (r *temporaryAccessPassPolicyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan policyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, defaultPolicyTimeout)
	resp.Diagnostics.Append(d...)
	r.save(ctx, &plan, timeout, &resp.State, resp.Identity, &resp.Diagnostics)
}

// write sends the whole planned policy. Values still unknown (a target id from a resource created in the
// same run) are filled from the live policy first.
func (r *temporaryAccessPassPolicyResource) write(ctx context.Context, plan *policyModel, diags *diag.Diagnostics) {
	if plan.hasUnknown() {
		live, err := r.data.policy.Refresh(ctx)
		if err != nil {
			addGraphError(diags, "Could not read the Temporary Access Pass policy", err)
			return
		}
		var current policyModel
		diags.Append(current.fromGraph(live)...)
		plan.fillUnknownFrom(current)
	}
	policy := plan.toGraph()
	if err := r.data.graph.UpdateTAPPolicy(ctx, policy); err != nil {
		r.data.policy.Forget()
		addGraphError(diags, "Could not update the Temporary Access Pass policy", err)
		return
	}
	r.data.policy.Set(policy)
	plan.ID = types.StringValue(policyID)
}

func (r *temporaryAccessPassPolicyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state policyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	timeout, d := state.Timeouts.Delete(ctx, defaultPolicyTimeout)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r.data.policy.Forget()
	if err := r.data.graph.ResetTAPPolicy(ctx); err != nil {
		addGraphError(&resp.Diagnostics, "Could not reset the Temporary Access Pass policy to its defaults", err)
	}
}

func (r *temporaryAccessPassPolicyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := req.ID
	if id == "" {
		var identity policyIdentityModel
		resp.Diagnostics.Append(req.Identity.Get(ctx, &identity)...)
		id = identity.ID.ValueString()
	}
	if !strings.EqualFold(id, policyID) {
		resp.Diagnostics.AddError("Invalid import id",
			fmt.Sprintf("The Temporary Access Pass policy is a tenant singleton: import it with the id %q (got %q). The tenant is chosen by the provider configuration.", policyID, id))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), policyID)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, policyIdentityModel{ID: types.StringValue(policyID)})...)
}

// configuredTargets reads the targets of a configuration; ok is false while any of them is unknown.
func configuredTargets(m policyModel) (include, exclude []tap.Target, ok bool) {
	read := func(set types.Set) ([]tap.Target, bool) {
		keys, known := targetKeys(set)
		if !known {
			return nil, false
		}
		out := make([]tap.Target, 0, len(keys))
		for _, k := range keys {
			if k.ID.IsUnknown() || k.Type.IsUnknown() {
				return nil, false
			}
			out = append(out, tap.Target{ID: k.ID.ValueString(), Type: k.Type.ValueString()})
		}
		return out, true
	}
	include, okInclude := read(m.IncludeTargets)
	exclude, okExclude := read(m.ExcludeTargets)
	return include, exclude, okInclude && okExclude
}

func addProblems(diags *diag.Diagnostics, problems []tap.Problem) {
	for _, p := range problems {
		diags.AddAttributeError(path.Root(p.Attribute), p.Summary, p.Detail)
	}
}

func known(v types.Int64) bool { return !v.IsNull() && !v.IsUnknown() }

func setting(v types.Int64) tap.Setting { return tap.Setting{Value: v.ValueInt64(), FromConfig: true} }

// effective pairs a planned value with whether the configuration set it.
func effective(planned, configured types.Int64) tap.Setting {
	return tap.Setting{Value: planned.ValueInt64(), FromConfig: known(configured)}
}
