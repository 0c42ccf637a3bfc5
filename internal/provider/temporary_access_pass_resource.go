package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
	"github.com/entra-tap/terraform-provider-entra/internal/tap"
	"github.com/entra-tap/terraform-provider-entra/internal/validators"
)

var (
	_ resource.Resource                = (*temporaryAccessPassResource)(nil)
	_ resource.ResourceWithConfigure   = (*temporaryAccessPassResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*temporaryAccessPassResource)(nil)
	_ resource.ResourceWithImportState = (*temporaryAccessPassResource)(nil)
	_ resource.ResourceWithIdentity    = (*temporaryAccessPassResource)(nil)
)

// NewTemporaryAccessPassResource manages a pass tracked in state.
func NewTemporaryAccessPassResource() resource.Resource {
	return &temporaryAccessPassResource{}
}

type temporaryAccessPassResource struct {
	data *providerData
}

type temporaryAccessPassModel struct {
	UserID              types.String   `tfsdk:"user_id"`
	StartDateTime       types.String   `tfsdk:"start_date_time"`
	LifetimeInMinutes   types.Int64    `tfsdk:"lifetime_in_minutes"`
	IsUsableOnce        types.Bool     `tfsdk:"is_usable_once"`
	RemoveMethods       types.Set      `tfsdk:"remove_methods"`
	Timeouts            timeouts.Value `tfsdk:"timeouts"`
	ID                  types.String   `tfsdk:"id"`
	TemporaryAccessPass types.String   `tfsdk:"temporary_access_pass"`
	CreatedDateTime     types.String   `tfsdk:"created_date_time"`
	EffectiveStart      types.String   `tfsdk:"effective_start_date_time"`
	ExpirationDateTime  types.String   `tfsdk:"expiration_date_time"`
	IsUsable            types.Bool     `tfsdk:"is_usable"`
	UsabilityReason     types.String   `tfsdk:"method_usability_reason"`
	UserObjectID        types.String   `tfsdk:"user_object_id"`
	UserPrincipalName   types.String   `tfsdk:"user_principal_name"`
	SignInURL           types.String   `tfsdk:"sign_in_url"`
	RemovedMethods      types.List     `tfsdk:"removed_methods"`
}

type temporaryAccessPassIdentityModel struct {
	UserObjectID types.String `tfsdk:"user_object_id"`
	ID           types.String `tfsdk:"id"`
}

func (r *temporaryAccessPassResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_temporary_access_pass"
}

// removeMethodsValidators accept the removable method types and "all".
func removeMethodsValidators() []validator.Set {
	return []validator.Set{setvalidator.ValueStringsAre(stringvalidator.OneOf(append([]string{removeAllMethods}, removableMethodTypes...)...))}
}

const removeMethodsDescription = "Method types to remove from the user right before the pass is issued, for a user who lost a device: any of " +
	"`fido2`, `microsoftAuthenticator`, `phone`, `email`, `softwareOath`, `windowsHelloForBusiness`, `platformCredential`, `external`, or `all`. " +
	"Otherwise the user is prompted for those methods right after entering the pass. Nothing is removed while planning or when no pass is issued. " +
	"Removals follow Graph's rules: the mobile phone after the alternate mobile, the usual default methods (Authenticator, phones) last; passwords are never touched."

func (r *temporaryAccessPassResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "~> **The pass is stored in the Terraform state** (marked sensitive). Anyone who can read the state can sign in as the user " +
			"until the pass expires. Prefer the `entra_temporary_access_pass` **ephemeral resource**, which never stores the pass, unless you need the pass " +
			"tracked in state: revoked on destroy, replaced when its inputs change, readable by an administrator with `terraform output`.\n\n" +
			"Issues a Temporary Access Pass for a user (for onboarding or recovery) and tracks it. Create issues the pass; read refreshes its metadata " +
			"(never its value, which Graph returns only once); a pass deleted or replaced outside Terraform disappears from the state, so the next plan " +
			"issues a new one; destroy revokes it; changing any argument replaces it. A user holds at most one pass: creating one replaces the pass the user " +
			"held before.\n\n" +
			"The request is checked while planning, against the live tenant: policy enabled, user in the policy's scope, lifetime within the policy's range, " +
			"one-time rule, start time, guests. A problem fails `terraform plan` before anything is written, and the plan shows the lifetime the pass will get. " +
			"A user that is not found is looked up again for 20 seconds first, since Terraform plans again while applying, when a user created earlier in the run may still be replicating.\n\n" +
			"Needs the Microsoft Graph application permissions `UserAuthMethod-TAP.ReadWrite.All` (or `UserAuthenticationMethod.ReadWrite.All`; the latter also " +
			"for `remove_methods`), `User.Read.All`, `GroupMember.Read.All` and `Policy.Read.AuthenticationMethod`.",
		Attributes: map[string]schema.Attribute{
			"user_id": schema.StringAttribute{Required: true, MarkdownDescription: "The user: object id (GUID) or user principal name. Changing it to another user issues a pass for them and revokes the old one; " +
				"switching between the id and the UPN of the same user changes nothing.",
				Validators: []validator.String{validators.UserIDOrUPN()}, PlanModifiers: []planmodifier.String{sameUserOrReplace()}},
			"start_date_time": schema.StringAttribute{Optional: true,
				MarkdownDescription: "When the pass starts working (RFC 3339, any offset, sent to Graph in UTC), e.g. 08:00 on a hire date. Omit it for a pass that works immediately. " +
					"Use a fixed time: a value computed from `timestamp()` changes at every plan and would replace the pass each time.",
				Validators: []validator.String{validators.RFC3339()}, PlanModifiers: replace},
			"lifetime_in_minutes": schema.Int64Attribute{Optional: true, Computed: true,
				MarkdownDescription: "How long the pass works after its start, in minutes (10–43200, within the tenant policy's range). Defaults to the policy's default lifetime, shown in the plan.",
				Validators:          []validator.Int64{int64validator.Between(tap.MinLifetime, tap.MaxLifetime)},
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.RequiresReplaceIfConfigured(), int64planmodifier.UseStateForUnknown()}},
			"is_usable_once": schema.BoolAttribute{Optional: true, Computed: true,
				MarkdownDescription: "Whether the pass stops working after its first sign-in. A reusable pass (`false`) needs a policy that allows it. When omitted, the policy decides.",
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.RequiresReplaceIfConfigured(), boolplanmodifier.UseStateForUnknown()}},
			"remove_methods": schema.SetAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: removeMethodsDescription,
				Validators: removeMethodsValidators(), PlanModifiers: []planmodifier.Set{setplanmodifier.RequiresReplace()}},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true, Read: true, Delete: true}),

			"id": computed("Id of the pass (Graph authentication method id)."),
			"temporary_access_pass": schema.StringAttribute{Computed: true, Sensitive: true,
				MarkdownDescription: "The pass, stored in state. Null after an import: Graph never returns it again.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"created_date_time":         computed("When the pass was created (RFC 3339, UTC)."),
			"effective_start_date_time": computed("When the pass starts working (RFC 3339, UTC)."),
			"expiration_date_time":      computed("When the pass stops working: start plus lifetime (RFC 3339, UTC)."),
			"is_usable":                 schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the pass could be used to sign in at the last refresh."},
			"method_usability_reason":   schema.StringAttribute{Computed: true, MarkdownDescription: "Graph's reason for `is_usable` at the last refresh: `EnabledByPolicy`, `NotYetValid`, `Expired`, `OneTimeUsed`…"},
			"user_object_id":            computed("Object id of the user."),
			"user_principal_name":       computed("User principal name of the user."),
			"sign_in_url":               computed("Where the user goes with the pass: `" + tap.SignInURL + "`."),
			"removed_methods": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The methods `remove_methods` removed before the pass was issued, in order.",
				NestedObject: schema.NestedAttributeObject{Attributes: resourceMethodAttributes()}},
		},
	}
}

func resourceMethodAttributes() map[string]schema.Attribute {
	attrs := map[string]schema.Attribute{}
	for name := range methodAttrTypes {
		attrs[name] = schema.StringAttribute{Computed: true, MarkdownDescription: methodAttributeDescriptions[name]}
	}
	return attrs
}

func (r *temporaryAccessPassResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"user_object_id": identityschema.StringAttribute{RequiredForImport: true, Description: "Object id of the user who holds the pass."},
		"id":             identityschema.StringAttribute{RequiredForImport: true, Description: "Id of the pass."},
	}}
}

func (r *temporaryAccessPassResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan checks a pass to be created against the live tenant, and shows its lifetime and user.
func (r *temporaryAccessPassResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || !req.State.Raw.IsNull() || r.data == nil {
		return
	}
	var plan temporaryAccessPassModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.UserID.IsUnknown() {
		return // a user created in this run is checked when it exists, at apply
	}
	request, ok := passRequestFrom(plan.StartDateTime, plan.LifetimeInMinutes, plan.IsUsableOnce, &resp.Diagnostics)
	if !ok {
		return
	}
	check := r.data.checkPass(ctx, plan.UserID.ValueString(), request, time.Now(), checkPlanPatiently, &resp.Diagnostics)
	if check == nil {
		return
	}
	plan.UserObjectID = types.StringValue(check.User.ID)
	plan.UserPrincipalName = types.StringValue(check.User.UserPrincipalName)
	plan.SignInURL = types.StringValue(tap.SignInURL)
	if plan.LifetimeInMinutes.IsUnknown() {
		plan.LifetimeInMinutes = types.Int64Value(check.Policy.EffectiveLifetime(request))
	}
	if plan.IsUsableOnce.IsUnknown() && check.Policy.IsUsableOnce {
		plan.IsUsableOnce = types.BoolValue(true)
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *temporaryAccessPassResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan temporaryAccessPassModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, 10*time.Minute)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	request, ok := passRequestFrom(plan.StartDateTime, plan.LifetimeInMinutes, plan.IsUsableOnce, &resp.Diagnostics)
	if !ok {
		return
	}
	user, err := r.data.userWithin(ctx, plan.UserID.ValueString(), replicationWait, r.data.resolveUser)
	if err != nil {
		addGraphError(&resp.Diagnostics, "Could not read the user", err)
		return
	}
	var removeTypes []string
	resp.Diagnostics.Append(plan.RemoveMethods.ElementsAs(ctx, &removeTypes, false)...)
	issued, err := r.data.issuePass(ctx, *user, request, true, removeTypes, time.Now(), nil)
	if err != nil {
		addGraphError(&resp.Diagnostics, "Could not issue the Temporary Access Pass", err)
		return
	}
	plan.RemovedMethods = methodList(issued.Removed)
	plan.fromPass(*issued.Issued, *user)
	plan.TemporaryAccessPass = types.StringValue(issued.Issued.Value)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, temporaryAccessPassIdentityModel{UserObjectID: plan.UserObjectID, ID: plan.ID})...)
}

func (m *temporaryAccessPassModel) fromPass(p graph.TemporaryAccessPass, user graph.User) {
	m.ID = types.StringValue(p.ID)
	m.CreatedDateTime = types.StringValue(p.CreatedDateTime.Format(time.RFC3339))
	m.EffectiveStart = types.StringValue(p.StartDateTime.Format(time.RFC3339))
	m.ExpirationDateTime = types.StringValue(p.ExpirationDateTime().Format(time.RFC3339))
	m.LifetimeInMinutes = types.Int64Value(int64(p.LifetimeInMinutes))
	m.IsUsableOnce = types.BoolValue(p.IsUsableOnce)
	m.IsUsable = types.BoolValue(p.IsUsable)
	m.UsabilityReason = types.StringValue(p.MethodUsabilityReason)
	m.UserObjectID = types.StringValue(user.ID)
	m.UserPrincipalName = types.StringValue(user.UserPrincipalName)
	m.SignInURL = types.StringValue(tap.SignInURL)
	if m.RemovedMethods.IsNull() || m.RemovedMethods.IsUnknown() {
		m.RemovedMethods = methodList(nil)
	}
}

func (r *temporaryAccessPassResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state temporaryAccessPassModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Read(ctx, 5*time.Minute)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// The identity is known from state; it is set before anything else so that even a resource removed
	// below answers with it (Terraform before 1.12 does not send one).
	resp.Diagnostics.Append(resp.Identity.Set(ctx, temporaryAccessPassIdentityModel{UserObjectID: state.UserObjectID, ID: state.ID})...)
	userID := state.UserObjectID.ValueString()
	pass, err := r.data.graph.GetTAP(ctx, userID, state.ID.ValueString())
	if errors.Is(err, graph.ErrNotFound) {
		// Revoked, or replaced by a pass issued outside Terraform: the next plan issues a new one.
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addGraphError(&resp.Diagnostics, "Could not read the Temporary Access Pass", err)
		return
	}
	user := graph.User{ID: userID, UserPrincipalName: state.UserPrincipalName.ValueString()}
	if user.UserPrincipalName == "" {
		// Only after an import: the state knows the user's id but not their name yet.
		if u, err := r.data.graph.GetUser(ctx, userID); err == nil {
			user = *u
		}
	}
	state.fromPass(*pass, user)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update only records changed timeouts: every other argument replaces the pass.
func (r *temporaryAccessPassResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan temporaryAccessPassModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *temporaryAccessPassResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state temporaryAccessPassModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, 5*time.Minute)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := r.data.graph.DeleteTAP(ctx, state.UserObjectID.ValueString(), state.ID.ValueString())
	if err != nil && !errors.Is(err, graph.ErrNotFound) {
		addGraphError(&resp.Diagnostics, "Could not revoke the Temporary Access Pass", err)
	}
}

// ImportState takes "<user object id>/<pass id>" or the identity. The pass value cannot be imported.
func (r *temporaryAccessPassResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	var userID, id string
	if req.ID != "" {
		var ok bool
		userID, id, ok = strings.Cut(req.ID, "/")
		if !ok || !validators.IsGUID(userID) || id == "" {
			resp.Diagnostics.AddError("Invalid import id",
				fmt.Sprintf("Import a Temporary Access Pass as <user object id>/<pass id>, e.g. 7a3c1f2e-0000-0000-0000-000000000000/6f1967b7-15e8-4935-ac26-d50770ed07a7 (got %q). "+
					"The ids are in entra_user_authentication_methods.temporary_access_pass.", req.ID))
			return
		}
	} else {
		var identity temporaryAccessPassIdentityModel
		resp.Diagnostics.Append(req.Identity.Get(ctx, &identity)...)
		userID, id = identity.UserObjectID.ValueString(), identity.ID.ValueString()
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("user_id"), userID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("user_object_id"), userID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("removed_methods"), methodList(nil))...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, temporaryAccessPassIdentityModel{UserObjectID: types.StringValue(userID), ID: types.StringValue(id)})...)
}

// sameUserOrReplace replaces the pass when user_id names another user, but not when it only switches
// between the object id and the user principal name of the same user (as after an import by id).
func sameUserOrReplace() planmodifier.String {
	return stringplanmodifier.RequiresReplaceIf(func(ctx context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
		var objectID, upn types.String
		req.State.GetAttribute(ctx, path.Root("user_object_id"), &objectID)
		req.State.GetAttribute(ctx, path.Root("user_principal_name"), &upn)
		planned := req.PlanValue.ValueString()
		same := strings.EqualFold(planned, objectID.ValueString()) || (upn.ValueString() != "" && strings.EqualFold(planned, upn.ValueString()))
		resp.RequiresReplace = !same
	}, "Replaces the pass when user_id names another user.", "Replaces the pass when `user_id` names another user.")
}
