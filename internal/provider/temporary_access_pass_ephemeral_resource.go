package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/ephemeral/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
	"github.com/entra-tap/terraform-provider-entra/internal/tap"
	"github.com/entra-tap/terraform-provider-entra/internal/validators"
)

var (
	_ ephemeral.EphemeralResource              = (*temporaryAccessPassEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure = (*temporaryAccessPassEphemeralResource)(nil)
)

// NewTemporaryAccessPassEphemeralResource issues passes that are never written to state or plan.
func NewTemporaryAccessPassEphemeralResource() ephemeral.EphemeralResource {
	return &temporaryAccessPassEphemeralResource{}
}

type temporaryAccessPassEphemeralResource struct {
	data *providerData
}

// Values of the status attribute.
const (
	passStatusIssued    = "issued"
	passStatusValidated = "validated"
	passStatusKept      = "existing_pass_kept"
)

type temporaryAccessPassEphemeralModel struct {
	UserID            types.String   `tfsdk:"user_id"`
	StartDateTime     types.String   `tfsdk:"start_date_time"`
	LifetimeInMinutes types.Int64    `tfsdk:"lifetime_in_minutes"`
	IsUsableOnce      types.Bool     `tfsdk:"is_usable_once"`
	Issue             types.Bool     `tfsdk:"issue"`
	Rotate            types.Bool     `tfsdk:"rotate"`
	RemoveMethods     types.Set      `tfsdk:"remove_methods"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`

	Status                types.String `tfsdk:"status"`
	ID                    types.String `tfsdk:"id"`
	TemporaryAccessPass   types.String `tfsdk:"temporary_access_pass"`
	CreatedDateTime       types.String `tfsdk:"created_date_time"`
	ExpirationDateTime    types.String `tfsdk:"expiration_date_time"`
	IsUsable              types.Bool   `tfsdk:"is_usable"`
	MethodUsabilityReason types.String `tfsdk:"method_usability_reason"`
	UserObjectID          types.String `tfsdk:"user_object_id"`
	UserPrincipalName     types.String `tfsdk:"user_principal_name"`
	SignInURL             types.String `tfsdk:"sign_in_url"`
	RemovedMethods        types.List   `tfsdk:"removed_methods"`
}

func (r *temporaryAccessPassEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_temporary_access_pass"
}

func (r *temporaryAccessPassEphemeralResource) Schema(ctx context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "-> The pass is never written to the state or the plan. Pass it to write-only arguments of other providers " +
			"(for example a Key Vault secret's `value_wo`) or to another ephemeral consumer. If you need the pass in state, see the " +
			"`entra_temporary_access_pass` resource.\n\n" +
			"Issues a **Temporary Access Pass** for a user: a time-limited passcode with which they sign in at " + tap.SignInURL +
			" to register passkeys or Microsoft Authenticator (onboarding), or to recover after losing them.\n\n" +
			"**Plan issues nothing.** Set `issue = terraform.applying`: while planning, the request is checked against the live tenant " +
			"(policy enabled, user in the policy's scope, lifetime within the policy's range, one-time rule, start time, guests) and every problem " +
			"fails the plan, but no pass is created; while applying, the pass is issued.\n\n" +
			"**A re-apply does not replace a pass.** A user holds at most one pass and a new one revokes the previous one, so by default a user " +
			"who holds a pass that has not expired (usable, waiting for its start, or used) is not given a new one: `status` is `existing_pass_kept`, " +
			"`temporary_access_pass` is null and a warning names the existing pass and its expiry. Set `rotate = true` for one run to replace it; " +
			"left on, Terraform would replace the pass at every apply, since it opens ephemeral resources at every apply.\n\n" +
			"Needs the Microsoft Graph application permissions `UserAuthMethod-TAP.ReadWrite.All` (or `UserAuthenticationMethod.ReadWrite.All`), " +
			"`User.Read.All`, `GroupMember.Read.All` when the policy targets groups, and `Policy.Read.AuthenticationMethod`. " +
			"With `Directory.Read.All`, the users of many passes are looked up in batches.",
		Attributes: map[string]schema.Attribute{
			"user_id": schema.StringAttribute{Required: true,
				MarkdownDescription: "The user: object id (GUID) or user principal name.",
				Validators:          []validator.String{validators.UserIDOrUPN()}},
			"start_date_time": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "When the pass starts working, as an RFC 3339 timestamp with any offset, e.g. `2026-12-07T08:00:00+01:00` for 08:00 in Paris " +
					"on the hire date. Sent to Graph in UTC. Omit it for a pass that works immediately; a start less than 5 minutes in the past also means now. " +
					"When omitted, the result holds the pass's actual start (RFC 3339, UTC).",
				Validators: []validator.String{validators.RFC3339()}},
			"lifetime_in_minutes": schema.Int64Attribute{Optional: true, Computed: true,
				MarkdownDescription: "How long the pass works after its start, in minutes (10–43200, and within the tenant policy's minimum and maximum). " +
					"Defaults to the policy's default lifetime, which the result then holds.",
				Validators: []validator.Int64{int64validator.Between(tap.MinLifetime, tap.MaxLifetime)}},
			"is_usable_once": schema.BoolAttribute{Optional: true, Computed: true,
				MarkdownDescription: "Whether the pass stops working after its first sign-in. A reusable pass (`false`) is only allowed when the tenant policy allows it. " +
					"When omitted, Graph decides under the policy and the result says what the pass is."},
			"issue": schema.BoolAttribute{Optional: true,
				MarkdownDescription: "Whether to issue the pass. Set it to `terraform.applying`, so that `plan` only validates and `apply` issues. " +
					"When `false` (the default), every check runs against the tenant but nothing is created and `status` is `validated`."},
			"rotate": schema.BoolAttribute{Optional: true,
				MarkdownDescription: "Whether to replace a pass the user already holds that has not expired. The old pass stops working. Defaults to `false`. " +
					"Set it for the run that should rotate the pass (e.g. `rotate = var.rotate`), not permanently."},
			"remove_methods": schema.SetAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: removeMethodsDescription,
				Validators: removeMethodsValidators()},
			"timeouts": timeouts.Attributes(ctx),

			"status": schema.StringAttribute{Computed: true,
				MarkdownDescription: "What happened: `issued` (a new pass is in `temporary_access_pass`), `validated` (checks passed, nothing issued because `issue` is false) " +
					"or `existing_pass_kept` (the user already holds a pass and `rotate` is false; its metadata is returned, not its value)."},
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "Id of the pass (Graph authentication method id)."},
			"temporary_access_pass": schema.StringAttribute{Computed: true, Sensitive: true,
				MarkdownDescription: "The pass. Only set when `status` is `issued`: Graph returns it once, at creation."},
			"created_date_time":       schema.StringAttribute{Computed: true, MarkdownDescription: "When the pass was created (RFC 3339, UTC)."},
			"expiration_date_time":    schema.StringAttribute{Computed: true, MarkdownDescription: "When the pass stops working: start plus lifetime (RFC 3339, UTC)."},
			"is_usable":               schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the pass can be used to sign in right now."},
			"method_usability_reason": schema.StringAttribute{Computed: true, MarkdownDescription: "Graph's reason for `is_usable`, e.g. `EnabledByPolicy`, `NotYetValid`, `Expired`, `OneTimeUsed`."},
			"user_object_id":          schema.StringAttribute{Computed: true, MarkdownDescription: "Object id of the user."},
			"user_principal_name":     schema.StringAttribute{Computed: true, MarkdownDescription: "User principal name of the user."},
			"sign_in_url": schema.StringAttribute{Computed: true,
				MarkdownDescription: "Where the user goes with the pass: `" + tap.SignInURL + "` (Security info), to register their methods."},
			"removed_methods": schema.ListNestedAttribute{Computed: true,
				MarkdownDescription: "The methods `remove_methods` removed before the pass was issued, in order; empty when nothing was issued.",
				NestedObject:        schema.NestedAttributeObject{Attributes: ephemeralMethodAttributes()}},
		},
	}
}

func (r *temporaryAccessPassEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *temporaryAccessPassEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var model temporaryAccessPassEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := model.Timeouts.Open(ctx, 5*time.Minute)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	request, ok := passRequestFrom(model.StartDateTime, model.LifetimeInMinutes, model.IsUsableOnce, &resp.Diagnostics)
	if !ok {
		return
	}
	now := time.Now()
	// Opened while applying (issue = true): the plan ran the directory checks, so only the cheap ones run,
	// and the passes the user holds are looked up at the same time as the user when the id is known.
	mode := checkPlan
	var held *heldPasses
	if model.Issue.ValueBool() {
		mode = checkApply
		if !model.Rotate.ValueBool() && validators.IsGUID(model.UserID.ValueString()) {
			held = r.data.lookUpHeldPasses(ctx, model.UserID.ValueString())
		}
	}
	check := r.data.checkPass(ctx, model.UserID.ValueString(), request, now, mode, &resp.Diagnostics)
	if check == nil {
		if held != nil {
			_, _ = held.wait() // do not leave the lookup running past the request
		}
		return
	}
	model.UserObjectID = types.StringValue(check.User.ID)
	model.UserPrincipalName = types.StringValue(check.User.UserPrincipalName)
	model.SignInURL = types.StringValue(tap.SignInURL)

	if !model.Issue.ValueBool() {
		if model.Issue.IsNull() {
			resp.Diagnostics.AddAttributeWarning(path.Root("issue"), "No pass issued: issue is not set",
				"The request passed every check, but no Temporary Access Pass was issued because `issue` is not set. "+
					"Set issue = terraform.applying to issue the pass while applying and only validate while planning.")
		}
		model.setExpected(check.Policy, request)
		model.RemovedMethods = methodList(nil)
		resp.Diagnostics.Append(resp.Result.Set(ctx, &model)...)
		return
	}

	var removeTypes []string
	resp.Diagnostics.Append(model.RemoveMethods.ElementsAs(ctx, &removeTypes, false)...)
	result, err := r.data.issuePass(ctx, check.User, request, model.Rotate.ValueBool(), removeTypes, now, held)
	model.RemovedMethods = methodList(result.Removed)
	if err != nil {
		addGraphError(&resp.Diagnostics, "Could not issue the Temporary Access Pass", err)
		return
	}
	issued, kept := result.Issued, result.Kept
	if kept != nil {
		resp.Diagnostics.AddAttributeWarning(path.Root("rotate"), "User already holds a Temporary Access Pass: no new pass issued",
			fmt.Sprintf("%s already holds pass %s (start %s, expires %s, %s). Issuing a new one would revoke it, so none was issued and temporary_access_pass is null. "+
				"Set rotate = true to replace it.", check.User.UserPrincipalName, kept.ID,
				kept.StartDateTime.Format(time.RFC3339), kept.ExpirationDateTime().Format(time.RFC3339), kept.MethodUsabilityReason))
		model.setPass(*kept, passStatusKept)
	} else {
		model.setPass(*issued, passStatusIssued)
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &model)...)
}

// passRequestFrom converts the optional arguments shared by the ephemeral and managed pass.
func passRequestFrom(start types.String, lifetime types.Int64, usableOnce types.Bool, diags interface {
	AddAttributeError(path.Path, string, string)
}) (tap.PassRequest, bool) {
	var req tap.PassRequest
	if !start.IsNull() && !start.IsUnknown() {
		t, err := validators.ParseRFC3339(start.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root("start_date_time"), "Invalid start_date_time", err.Error())
			return req, false
		}
		req.StartDateTime = &t
	}
	if !lifetime.IsNull() && !lifetime.IsUnknown() {
		v := lifetime.ValueInt64()
		req.LifetimeInMinutes = &v
	}
	if !usableOnce.IsNull() && !usableOnce.IsUnknown() {
		v := usableOnce.ValueBool()
		req.IsUsableOnce = &v
	}
	return req, true
}

// setExpected fills the result of a validated request with what the pass would be.
func (m *temporaryAccessPassEphemeralModel) setExpected(policy tap.Policy, req tap.PassRequest) {
	m.Status = types.StringValue(passStatusValidated)
	m.ID = types.StringNull()
	m.TemporaryAccessPass = types.StringNull()
	m.CreatedDateTime = types.StringNull()
	m.ExpirationDateTime = types.StringNull()
	m.IsUsable = types.BoolNull()
	m.MethodUsabilityReason = types.StringNull()
	m.LifetimeInMinutes = types.Int64Value(policy.EffectiveLifetime(req))
	if req.IsUsableOnce == nil {
		m.IsUsableOnce = types.BoolValue(policy.IsUsableOnce)
	}
}

func (m *temporaryAccessPassEphemeralModel) setPass(p graph.TemporaryAccessPass, status string) {
	m.Status = types.StringValue(status)
	m.ID = types.StringValue(p.ID)
	if p.Value != "" {
		m.TemporaryAccessPass = types.StringValue(p.Value)
	} else {
		m.TemporaryAccessPass = types.StringNull()
	}
	m.CreatedDateTime = types.StringValue(p.CreatedDateTime.Format(time.RFC3339))
	m.ExpirationDateTime = types.StringValue(p.ExpirationDateTime().Format(time.RFC3339))
	// Arguments the configuration set keep their configured form; only omitted ones take the pass's values.
	if m.StartDateTime.IsNull() {
		m.StartDateTime = types.StringValue(p.StartDateTime.Format(time.RFC3339))
	}
	if m.LifetimeInMinutes.IsNull() {
		m.LifetimeInMinutes = types.Int64Value(int64(p.LifetimeInMinutes))
	}
	if m.IsUsableOnce.IsNull() {
		m.IsUsableOnce = types.BoolValue(p.IsUsableOnce)
	}
	m.IsUsable = types.BoolValue(p.IsUsable)
	m.MethodUsabilityReason = types.StringValue(p.MethodUsabilityReason)
}

func ephemeralMethodAttributes() map[string]schema.Attribute {
	attrs := map[string]schema.Attribute{}
	for name := range methodAttrTypes {
		attrs[name] = schema.StringAttribute{Computed: true, MarkdownDescription: methodAttributeDescriptions[name]}
	}
	return attrs
}
