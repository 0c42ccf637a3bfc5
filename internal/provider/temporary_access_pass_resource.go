package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
	"github.com/entra-tap/terraform-provider-entra/internal/issuance"
	"github.com/entra-tap/terraform-provider-entra/internal/tap"
	"github.com/entra-tap/terraform-provider-entra/internal/validators"
)

var (
	_ resource.Resource                   = (*temporaryAccessPassResource)(nil)
	_ resource.ResourceWithConfigure      = (*temporaryAccessPassResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*temporaryAccessPassResource)(nil)
	_ resource.ResourceWithImportState    = (*temporaryAccessPassResource)(nil)
	_ resource.ResourceWithIdentity       = (*temporaryAccessPassResource)(nil)
	_ resource.ResourceWithValidateConfig = (*temporaryAccessPassResource)(nil)
)

// NewTemporaryAccessPassResource issues a pass, delivers it (or keeps it in state), and tracks it.
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
	Triggers            types.Map      `tfsdk:"triggers"`
	Delivery            types.Object   `tfsdk:"delivery"`
	Timeouts            timeouts.Value `tfsdk:"timeouts"`
	ID                  types.String   `tfsdk:"id"`
	Version             types.Int64    `tfsdk:"version"`
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
	Deliveries          types.List     `tfsdk:"deliveries"`
}

type temporaryAccessPassIdentityModel struct {
	UserObjectID types.String `tfsdk:"user_object_id"`
	ID           types.String `tfsdk:"id"`
}

func (r *temporaryAccessPassResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_temporary_access_pass"
}

const removeMethodsDescription = "Method types to remove from the user once the new pass exists and has been delivered, for a user who lost a device: any of " +
	"`fido2`, `microsoftAuthenticator`, `phone`, `email`, `softwareOath`, `windowsHelloForBusiness`, `platformCredential`, `external`, or `all`. " +
	"Otherwise the user is prompted for those methods right after entering the pass. Nothing is removed while planning, nor when the pass cannot be issued or delivered. " +
	"Removals follow Graph's rules: the mobile phone after the alternate mobile, the usual default methods (Authenticator, phones) last; passwords are never touched."

func (r *temporaryAccessPassResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Issues a **Temporary Access Pass** for a user, for onboarding or recovery, delivers it, and tracks it: destroy revokes it, " +
			"and changing any argument (or `-replace`, or the pass being deleted outside Terraform) issues a new one, which revokes the old one " +
			"(a user holds one pass).\n\n" +
			"**Where the pass goes.** With a `delivery`, the pass is **never stored** in the state or the plan:\n" +
			"- `delivery.email` mails it from a mailbox of the tenant to the user's manager and/or named addresses, and `delivery.key_vault` writes it into an " +
			"Azure Key Vault secret. The provider delivers it in the same call that issues it, records in `deliveries` where it went, and, when a delivery " +
			"fails, revokes the pass before reporting the error: nobody is left holding a pass nobody received.\n" +
			"- `delivery.ephemeral = true` hands it, once, to the `entra_temporary_access_pass` **ephemeral resource**, for another provider's write-only " +
			"argument (a Key Vault secret's `value_wo`, a Vault secret's `data_json_wo`). Set the consumer's version argument to this resource's `version`, " +
			"so that the consumer receives exactly the passes this resource issues.\n\n" +
			"~> Without a `delivery`, the pass is stored in the Terraform state (marked sensitive) in `temporary_access_pass`: anyone who can read the state " +
			"can sign in as the user until the pass expires.\n\n" +
			"**Plan issues nothing.** The request is checked while planning, against the live tenant: policy enabled, user in the policy's scope, lifetime " +
			"within the policy's range, one-time rule, start time, external guests, disabled accounts, and one pass per user in the configuration. " +
			"A problem fails `terraform plan` before anything is written.\n\n" +
			"Needs the Microsoft Graph application permissions `UserAuthMethod-TAP.ReadWrite.All` (or `UserAuthenticationMethod.ReadWrite.All`; the latter also " +
			"for `remove_methods`), `User.Read.All`, `GroupMember.Read.All` when the policy targets groups, `Policy.Read.AuthenticationMethod`, and " +
			"`Mail.Send` for `delivery.email`; and, for `delivery.key_vault`, a role that may write secrets in the vault.",
		Attributes: map[string]schema.Attribute{
			"user_id": schema.StringAttribute{Required: true, WriteOnly: true,
				MarkdownDescription: "The user: object id (GUID) or user principal name. Write-only: the plan and the state record the user it resolves to " +
					"(`user_object_id`, `user_principal_name`), so naming the same user by id or by user principal name, in any letter case, is no change, " +
					"and naming another user replaces the pass.",
				Validators: []validator.String{validators.UserIDOrUPN()}},
			"start_date_time": schema.StringAttribute{Optional: true,
				MarkdownDescription: "When the pass starts working (RFC 3339, any offset, sent to Graph in UTC), e.g. `2026-12-07T08:00:00+01:00` for 08:00 in Paris " +
					"on a hire date. Omit it for a pass that works immediately. Use a fixed time: a value computed from `timestamp()` changes at every plan and would replace the pass each time.",
				Validators: []validator.String{validators.RFC3339()}},
			"lifetime_in_minutes": schema.Int64Attribute{Optional: true, Computed: true,
				MarkdownDescription: "How long the pass works after its start, in minutes (10–43200, within the tenant policy's range). When omitted, the policy's " +
					"default lifetime at the time of the apply, known after apply.",
				Validators: []validator.Int64{int64validator.Between(tap.MinLifetime, tap.MaxLifetime)}},
			"is_usable_once": schema.BoolAttribute{Optional: true, Computed: true,
				MarkdownDescription: "Whether the pass stops working after its first sign-in. A reusable pass (`false`) needs a policy that allows it. When omitted, the policy decides."},
			"remove_methods": schema.SetAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: removeMethodsDescription,
				Validators: removeMethodsValidators()},
			"triggers": schema.MapAttribute{Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Arbitrary values that, when changed, replace the pass: a new one is issued and delivered, and the old one stops working. " +
					"Use it to rotate a pass on purpose, e.g. `triggers = { rotation = \"2\" }`."},
			"delivery": schema.SingleNestedAttribute{Optional: true, MarkdownDescription: descDelivery,
				Attributes: map[string]schema.Attribute{
					"ephemeral": schema.BoolAttribute{Optional: true, MarkdownDescription: descEphemeral},
					"email": schema.SingleNestedAttribute{Optional: true, MarkdownDescription: descEmail, Attributes: map[string]schema.Attribute{
						"sender":     schema.StringAttribute{Required: true, MarkdownDescription: descSender},
						"to_manager": schema.BoolAttribute{Optional: true, MarkdownDescription: descToManager},
						"to":         schema.ListAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: descTo},
						"time_zone":  schema.StringAttribute{Optional: true, MarkdownDescription: descTimeZone},
						"subject":    schema.StringAttribute{Optional: true, MarkdownDescription: descSubject},
						"body":       schema.StringAttribute{Optional: true, MarkdownDescription: descBody},
					}},
					"key_vault": schema.SingleNestedAttribute{Optional: true, MarkdownDescription: descKeyVault, Attributes: map[string]schema.Attribute{
						"vault_uri":    schema.StringAttribute{Required: true, MarkdownDescription: descVaultURI},
						"secret_name":  schema.StringAttribute{Required: true, MarkdownDescription: descSecretName},
						"content_type": schema.StringAttribute{Optional: true, MarkdownDescription: descContentType},
					}},
				}},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),

			"id":      computed("Id of the pass (Graph authentication method id)."),
			"version": schema.Int64Attribute{Computed: true, MarkdownDescription: "A number that changes with every pass this resource issues (the pass's creation time in Unix milliseconds): give it to a consumer's version argument (`value_wo_version`, `data_json_wo_version`), so that the consumer takes each new pass exactly once."},
			"temporary_access_pass": schema.StringAttribute{Computed: true, Sensitive: true,
				MarkdownDescription: "The pass, stored in state, when no `delivery` is configured; null otherwise, and after an import (Graph never returns a pass again)."},
			"created_date_time":         computed("When the pass was created (RFC 3339, UTC)."),
			"effective_start_date_time": computed("When the pass starts working (RFC 3339, UTC)."),
			"expiration_date_time":      computed("When the pass stops working: start plus lifetime (RFC 3339, UTC)."),
			"is_usable":                 schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the pass could be used to sign in at the last refresh."},
			"method_usability_reason":   computed("Graph's reason for `is_usable` at the last refresh: `EnabledByPolicy`, `NotYetValid`, `Expired`, `OneTimeUsed`…"),
			"user_object_id":            computed("Object id of the user."),
			"user_principal_name":       computed("User principal name of the user."),
			"sign_in_url":               computed("Where the user goes with the pass: `" + tap.SignInURL + "`."),
			"removed_methods": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The methods `remove_methods` removed after the pass was issued and delivered, in order.",
				NestedObject: schema.NestedAttributeObject{Attributes: resourceMethodAttributes()}},
			"deliveries": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "Where the pass went: one entry per delivery, without the pass.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"channel":     computed("The delivery: `email`, `key_vault` or `ephemeral`."),
					"destination": computed("Where it went: the mail addresses, the secret id with its version, or the ephemeral resource."),
					"reference":   computed("The delivery's own id: Graph's request id of the mail, the secret's version."),
					"at":          computed("When it went (RFC 3339, UTC)."),
				}}},
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

var receiptAttrTypes = map[string]attr.Type{"channel": types.StringType, "destination": types.StringType, "reference": types.StringType, "at": types.StringType}

func (r *temporaryAccessPassResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"user_object_id": identityschema.StringAttribute{RequiredForImport: true, Description: "Object id of the user who holds the pass."},
		"id":             identityschema.StringAttribute{RequiredForImport: true, Description: "Id of the pass."},
	}}
}

func (r *temporaryAccessPassResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *temporaryAccessPassResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config temporaryAccessPassModel
	resp.Diagnostics.Append(passCodec.get(ctx, req.Config.Raw, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateDelivery(ctx, path.Root("delivery"), config.Delivery, true, &resp.Diagnostics)
	delivery := deliveryFrom(ctx, config.Delivery, &resp.Diagnostics)
	if delivery.Ephemeral.ValueBool() && !config.RemoveMethods.IsNull() && len(config.RemoveMethods.Elements()) > 0 {
		resp.Diagnostics.AddAttributeError(path.Root("remove_methods"), "remove_methods needs a delivery the provider confirms",
			"With delivery.ephemeral, Terraform tells the provider that the consumers succeeded only when the run ends, too late to remove methods safely: "+
				"a user must never lose a method before the pass that replaces it has been received. Deliver the pass by delivery.email or delivery.key_vault "+
				"(the provider removes the methods once it has delivered it), keep it in state, or use the entra_user_authentication_methods_remove action once the consumer holds it.")
	}
}

// ModifyPlan checks a pass to be issued against the live tenant, resolves the user the configuration names,
// replaces the pass when an argument changes, and refuses a second pass for a user in the same run.
func (r *temporaryAccessPassResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return // destroy, or the provider is not configured yet (validate)
	}
	var plan, config temporaryAccessPassModel
	resp.Diagnostics.Append(passCodec.get(ctx, req.Plan.Raw, &plan)...)
	resp.Diagnostics.Append(passCodec.get(ctx, req.Config.Raw, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *temporaryAccessPassModel
	if !req.State.Raw.IsNull() {
		state = &temporaryAccessPassModel{}
		resp.Diagnostics.Append(passCodec.get(ctx, req.State.Raw, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	userRef := config.UserID

	if state != nil {
		same, diags := r.sameUser(ctx, userRef, *state)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		replace := argumentsChanged(plan, *state)
		if !same {
			replace = append(replace, path.Root("user_object_id"))
		}
		if len(replace) == 0 {
			// Nothing but timeouts can change in place: every computed value stays as it is.
			plan.keepComputed(*state)
			r.claim(ctx, userRef, state.UserObjectID.ValueString(), state.ID.ValueString(), &resp.Diagnostics)
			resp.Diagnostics.Append(passCodec.set(ctx, &resp.Plan, &plan)...)
			return
		}
		// Terraform plans the replacement again as a create, which checks and claims the user.
		resp.RequiresReplace = replace
		plan.planNewPass(config)
		if !same {
			plan.UserObjectID, plan.UserPrincipalName = types.StringUnknown(), types.StringUnknown()
		}
		resp.Diagnostics.Append(passCodec.set(ctx, &resp.Plan, &plan)...)
		return
	}

	plan.planNewPass(config)
	if userRef.IsUnknown() {
		// A user created in this run: checked when it exists, while applying.
		plan.UserObjectID, plan.UserPrincipalName = types.StringUnknown(), types.StringUnknown()
		resp.Diagnostics.Append(passCodec.set(ctx, &resp.Plan, &plan)...)
		return
	}
	request, ok := passRequestFrom(plan.StartDateTime, config.LifetimeInMinutes, config.IsUsableOnce, &resp.Diagnostics)
	if !ok {
		return
	}
	checked, findings, err := r.data.engine.Check(ctx, userRef.ValueString(), request, issuance.PlanPatience)
	if err != nil {
		addGraphError(&resp.Diagnostics, "Could not check the Temporary Access Pass request", err)
		return
	}
	addFindings(&resp.Diagnostics, findings)
	if checked == nil {
		return
	}
	needs := []graph.Ability{graph.IssuePasses}
	if !config.RemoveMethods.IsNull() && len(config.RemoveMethods.Elements()) > 0 {
		needs = append(needs, graph.RemoveMethods)
	}
	delivery := deliveryFrom(ctx, config.Delivery, &resp.Diagnostics)
	if !delivery.Email.IsNull() {
		needs = append(needs, graph.SendMail)
	}
	checkDeliveryAgainstTenant(ctx, r.data.graph, path.Root("delivery"), delivery, checked.User, &resp.Diagnostics)
	addFindings(&resp.Diagnostics, r.data.engine.PermissionWarnings(ctx, needs...))
	r.claim(ctx, userRef, checked.User.ID, "", &resp.Diagnostics)
	plan.UserObjectID = types.StringValue(checked.User.ID)
	plan.UserPrincipalName = types.StringValue(checked.User.UserPrincipalName)
	if checked.Policy.IsUsableOnce && config.IsUsableOnce.IsNull() {
		plan.IsUsableOnce = types.BoolValue(true) // the policy allows nothing else, now or at apply
	}
	resp.Diagnostics.Append(passCodec.set(ctx, &resp.Plan, &plan)...)
}

// sameUser says whether user_id still names the user the state holds the pass of. It asks Graph only when the
// configuration names the user in a form the state does not record.
func (r *temporaryAccessPassResource) sameUser(ctx context.Context, userRef types.String, state temporaryAccessPassModel) (bool, diag.Diagnostics) {
	var diags diag.Diagnostics
	if userRef.IsUnknown() {
		return false, diags
	}
	ref := userRef.ValueString()
	if strings.EqualFold(ref, state.UserObjectID.ValueString()) || strings.EqualFold(ref, state.UserPrincipalName.ValueString()) {
		return true, diags
	}
	user, err := r.data.engine.Resolve(ctx, ref, issuance.NoPatience)
	if errors.Is(err, graph.ErrNotFound) {
		return false, diags // another user, or none: the create plan that follows says which
	}
	if err != nil {
		addGraphError(&diags, "Could not read the user", err)
		return false, diags
	}
	return strings.EqualFold(user.ID, state.UserObjectID.ValueString()), diags
}

// claim records that this instance issues the pass of the user; a second instance for the same user fails the
// plan (issuance guarantee 5).
func (r *temporaryAccessPassResource) claim(_ context.Context, userRef types.String, userObjectID, passID string, diags *diag.Diagnostics) {
	label := fmt.Sprintf("user_id = %q", userRef.ValueString())
	if passID != "" {
		label += " (pass " + passID + ")"
	}
	if holder, ok := r.data.engine.Claims().Claim(userObjectID, label); !ok {
		diags.AddAttributeError(path.Root("user_id"), "Two passes for one user",
			fmt.Sprintf("This entra_temporary_access_pass names user %s as %s, and another entra_temporary_access_pass of this configuration names the same user as %s. "+
				"A user holds one Temporary Access Pass, so each would revoke the other's pass at every apply. Keep one resource per user.",
				userObjectID, label, holder))
	}
}

// argumentsChanged returns the arguments whose change replaces the pass: all of them but timeouts.
func argumentsChanged(plan, state temporaryAccessPassModel) path.Paths {
	var changed path.Paths
	if !sameInstant(plan.StartDateTime, state.StartDateTime) {
		changed = append(changed, path.Root("start_date_time"))
	}
	if !plan.LifetimeInMinutes.IsUnknown() && !plan.LifetimeInMinutes.Equal(state.LifetimeInMinutes) {
		changed = append(changed, path.Root("lifetime_in_minutes"))
	}
	if !plan.IsUsableOnce.IsUnknown() && !plan.IsUsableOnce.Equal(state.IsUsableOnce) {
		changed = append(changed, path.Root("is_usable_once"))
	}
	for name, pair := range map[string][2]attr.Value{
		"remove_methods": {plan.RemoveMethods, state.RemoveMethods},
		"triggers":       {plan.Triggers, state.Triggers},
		"delivery":       {plan.Delivery, state.Delivery},
	} {
		if !pair[0].Equal(pair[1]) && !(emptyCollection(pair[0]) && emptyCollection(pair[1])) {
			changed = append(changed, path.Root(name))
		}
	}
	return changed
}

// sameInstant compares two start times as instants: 08:00+01:00 and 07:00Z are the same start.
func sameInstant(a, b types.String) bool {
	if a.IsUnknown() || b.IsUnknown() {
		return a.Equal(b)
	}
	if a.IsNull() || b.IsNull() {
		return a.IsNull() == b.IsNull()
	}
	ta, errA := validators.ParseRFC3339(a.ValueString())
	tb, errB := validators.ParseRFC3339(b.ValueString())
	if errA != nil || errB != nil {
		return a.Equal(b)
	}
	return ta.Equal(tb)
}

// emptyCollection treats null and empty sets and maps alike: removing `remove_methods = []` changes nothing.
func emptyCollection(v attr.Value) bool {
	switch c := v.(type) {
	case types.Set:
		return c.IsNull() || (!c.IsUnknown() && len(c.Elements()) == 0)
	case types.Map:
		return c.IsNull() || (!c.IsUnknown() && len(c.Elements()) == 0)
	}
	return false
}

// planNewPass marks what a new pass decides as unknown, and what the configuration decides as configured.
func (m *temporaryAccessPassModel) planNewPass(config temporaryAccessPassModel) {
	for _, s := range []*types.String{&m.ID, &m.CreatedDateTime, &m.EffectiveStart, &m.ExpirationDateTime, &m.UsabilityReason, &m.TemporaryAccessPass} {
		*s = types.StringUnknown()
	}
	m.Version = types.Int64Unknown()
	m.IsUsable = types.BoolUnknown()
	m.RemovedMethods = types.ListUnknown(methodObjectType)
	m.Deliveries = types.ListUnknown(types.ObjectType{AttrTypes: receiptAttrTypes})
	m.SignInURL = types.StringValue(tap.SignInURL)
	if d := deliveryFromValue(config.Delivery); !d.storesPass() {
		m.TemporaryAccessPass = types.StringNull()
	}
	// Omitted, they are the tenant's defaults at the time of the apply: a saved plan cannot promise them,
	// since the policy may change before it is applied.
	m.LifetimeInMinutes, m.IsUsableOnce = config.LifetimeInMinutes, config.IsUsableOnce
	if m.LifetimeInMinutes.IsNull() {
		m.LifetimeInMinutes = types.Int64Unknown()
	}
	if m.IsUsableOnce.IsNull() {
		m.IsUsableOnce = types.BoolUnknown()
	}
}

func deliveryFromValue(obj types.Object) passDelivery {
	var diags diag.Diagnostics
	return deliveryFrom(context.Background(), obj, &diags)
}

// keepComputed carries every computed value over from the state.
func (m *temporaryAccessPassModel) keepComputed(state temporaryAccessPassModel) {
	m.ID, m.Version, m.TemporaryAccessPass = state.ID, state.Version, state.TemporaryAccessPass
	m.CreatedDateTime, m.EffectiveStart, m.ExpirationDateTime = state.CreatedDateTime, state.EffectiveStart, state.ExpirationDateTime
	m.IsUsable, m.UsabilityReason = state.IsUsable, state.UsabilityReason
	m.UserObjectID, m.UserPrincipalName, m.SignInURL = state.UserObjectID, state.UserPrincipalName, state.SignInURL
	m.RemovedMethods, m.Deliveries = state.RemovedMethods, state.Deliveries
	if m.LifetimeInMinutes.IsUnknown() {
		m.LifetimeInMinutes = state.LifetimeInMinutes
	}
	if m.IsUsableOnce.IsUnknown() {
		m.IsUsableOnce = state.IsUsableOnce
	}
}

func (r *temporaryAccessPassResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config temporaryAccessPassModel
	resp.Diagnostics.Append(passCodec.get(ctx, req.Plan.Raw, &plan)...)
	resp.Diagnostics.Append(passCodec.get(ctx, req.Config.Raw, &config)...)
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

	request, ok := passRequestFrom(plan.StartDateTime, config.LifetimeInMinutes, config.IsUsableOnce, &resp.Diagnostics)
	if !ok {
		return
	}
	// The plan resolved the user (Terraform plans again while applying, so even a user created in this run is
	// resolved by now); only when it could not is the user looked up here, waiting for replication.
	user := &graph.User{ID: plan.UserObjectID.ValueString(), UserPrincipalName: plan.UserPrincipalName.ValueString()}
	if plan.UserObjectID.IsUnknown() || plan.UserPrincipalName.IsUnknown() {
		var err error
		if user, err = r.data.engine.Resolve(ctx, config.UserID.ValueString(), issuance.ApplyPatience); err != nil {
			addUserError(&resp.Diagnostics, config.UserID.ValueString(), err)
			return
		}
	}
	var removeTypes []string
	resp.Diagnostics.Append(plan.RemoveMethods.ElementsAs(ctx, &removeTypes, false)...)
	delivery := deliveryFrom(ctx, plan.Delivery, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	deliveries := r.data.deliveriesFor(ctx, delivery, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	issued, err := r.data.engine.Issue(ctx, issuance.IssueRequest{User: *user, Pass: request, RemoveMethods: removeTypes, Deliveries: deliveries})
	if issued == nil {
		addIssueError(&resp.Diagnostics, err)
		return
	}
	r.data.users.noteIssued(user.ID, issued.Pass.ID)
	plan.fromPass(issued.Pass.TemporaryAccessPass, *user)
	plan.Version = types.Int64Value(issued.Pass.CreatedDateTime.UnixMilli())
	plan.RemovedMethods = methodList(issued.Removed)
	plan.Deliveries = receiptList(issued.Receipts)
	plan.TemporaryAccessPass = types.StringNull()
	if delivery.storesPass() {
		plan.TemporaryAccessPass = types.StringValue(issued.Pass.Value)
	}
	resp.Diagnostics.Append(passCodec.set(ctx, &resp.State, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, temporaryAccessPassIdentityModel{UserObjectID: plan.UserObjectID, ID: plan.ID})...)
	if err != nil {
		// The pass exists and was delivered; removing methods failed. The state keeps the pass, and the error
		// lists what was and was not removed.
		addIssueError(&resp.Diagnostics, err)
	}
}

// ephemeralHandover is the delivery to the ephemeral resource: the pass waits in process memory, and the
// journal on this machine's disk says so until Terraform confirms that its consumers received it.
type ephemeralHandover struct{ data *providerData }

func (h ephemeralHandover) Channel() string { return "ephemeral" }

func (h ephemeralHandover) Deliver(ctx context.Context, p issuance.Pass) (issuance.Receipt, error) {
	d := h.data
	if err := journal().Record(d.tenantID, p); err != nil {
		tflog.Warn(ctx, "Could not record the hand-over in the journal; a run killed before its consumers receive the pass cannot be repaired on this machine",
			map[string]any{"error": err.Error()})
	}
	d.engine.Handovers().Put(p, func(ctx context.Context) error { return d.graph.DeleteTAP(ctx, p.User.ID, p.ID) },
		func() { journal().Forget(d.tenantID, p.ID) })
	return issuance.Receipt{Channel: "ephemeral", Destination: "ephemeral.entra_temporary_access_pass with pass_id = " + p.ID, At: d.engine.Now().UTC()}, nil
}

func receiptList(receipts []issuance.Receipt) types.List {
	typ := types.ObjectType{AttrTypes: receiptAttrTypes}
	elems := make([]attr.Value, 0, len(receipts))
	for _, r := range receipts {
		ref := types.StringNull()
		if r.Reference != "" {
			ref = types.StringValue(r.Reference)
		}
		elems = append(elems, types.ObjectValueMust(receiptAttrTypes, map[string]attr.Value{
			"channel": types.StringValue(r.Channel), "destination": types.StringValue(r.Destination), "reference": ref,
			"at": types.StringValue(r.At.UTC().Format(time.RFC3339)),
		}))
	}
	return types.ListValueMust(typ, elems)
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
}

func (r *temporaryAccessPassResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state temporaryAccessPassModel
	resp.Diagnostics.Append(passCodec.get(ctx, req.State.Raw, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Read(ctx, 5*time.Minute)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// The identity is known from state; it is set first so that even a resource removed below answers with
	// it (Terraform before 1.12 does not send one).
	resp.Diagnostics.Append(resp.Identity.Set(ctx, temporaryAccessPassIdentityModel{UserObjectID: state.UserObjectID, ID: state.ID})...)
	userID := state.UserObjectID.ValueString()
	if entry, orphaned := journal().Orphaned(r.data.tenantID, state.ID.ValueString()); orphaned {
		// The apply that issued this pass ended before Terraform received or confirmed it (the provider was killed,
		// or could not revoke it): nobody holds it. Leaving the state makes the plan issue a new one, which
		// replaces it; nothing is written while planning.
		resp.Diagnostics.AddWarning("Temporary Access Pass never received: a new one will be issued",
			fmt.Sprintf("For %s, %s. A new pass will be issued and handed over; it replaces this one.", state.UserPrincipalName.ValueString(), entry))
		resp.State.RemoveResource(ctx)
		return
	}
	pass, err := r.data.users.GetTAP(ctx, userID, state.ID.ValueString())
	if errors.Is(err, graph.ErrNotFound) {
		// Revoked, or replaced by a pass issued outside Terraform: the next plan issues a new one.
		tflog.Info(ctx, "The pass is gone; the next plan issues a new one", map[string]any{"user_id": userID, "pass_id": state.ID.ValueString()})
		if deliveryFromValue(state.Delivery).Ephemeral.ValueBool() {
			resp.Diagnostics.AddWarning("Temporary Access Pass gone: a new one will be issued",
				fmt.Sprintf("Pass %s of %s no longer exists: it was revoked or deleted outside Terraform, or revoked by the provider because no consumer "+
					"confirmed receiving it. A new pass will be issued and handed over. If this happens at every apply, check that an ephemeral "+
					"entra_temporary_access_pass with pass_id = this resource's id feeds the consumers, through the same provider configuration.",
					state.ID.ValueString(), state.UserPrincipalName.ValueString()))
		}
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
	if state.Version.IsNull() || state.Version.IsUnknown() {
		state.Version = types.Int64Value(pass.CreatedDateTime.UnixMilli())
	}
	if state.RemovedMethods.IsNull() {
		state.RemovedMethods = methodList(nil)
	}
	if state.Deliveries.IsNull() {
		state.Deliveries = receiptList(nil)
	}
	resp.Diagnostics.Append(passCodec.set(ctx, &resp.State, &state)...)
}

// Update records what can change in place (timeouts, a start written with another offset); everything else
// replaces the pass. Every computed value stays as it is.
func (r *temporaryAccessPassResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state temporaryAccessPassModel
	resp.Diagnostics.Append(passCodec.get(ctx, req.Plan.Raw, &plan)...)
	resp.Diagnostics.Append(passCodec.get(ctx, req.State.Raw, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.keepComputed(state)
	resp.Diagnostics.Append(passCodec.set(ctx, &resp.State, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, temporaryAccessPassIdentityModel{UserObjectID: plan.UserObjectID, ID: plan.ID})...)
}

func (r *temporaryAccessPassResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state temporaryAccessPassModel
	resp.Diagnostics.Append(passCodec.get(ctx, req.State.Raw, &state)...)
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

// ImportState takes "<user object id>/<pass id>" or the identity, checked alike. The pass value cannot be
// imported: Graph never returns it again.
func (r *temporaryAccessPassResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	userID, id := "", ""
	if req.ID != "" {
		userID, id, _ = strings.Cut(req.ID, "/")
	} else {
		var identity temporaryAccessPassIdentityModel
		resp.Diagnostics.Append(req.Identity.Get(ctx, &identity)...)
		if resp.Diagnostics.HasError() {
			return
		}
		userID, id = identity.UserObjectID.ValueString(), identity.ID.ValueString()
	}
	if !validators.IsGUID(userID) || !validators.IsGUID(id) {
		what := fmt.Sprintf("the import id %q", req.ID)
		if req.ID == "" {
			what = fmt.Sprintf("the identity user_object_id = %q, id = %q", userID, id)
		}
		resp.Diagnostics.AddError("Invalid import id",
			fmt.Sprintf("Import a Temporary Access Pass as <user object id>/<pass id>, or by identity with user_object_id and id, both GUIDs, "+
				"e.g. 7a3c1f2e-0000-0000-0000-000000000000/6f1967b7-15e8-4935-ac26-d50770ed07a7 (got %s). The ids are in entra_user_authentication_methods.temporary_access_pass.", what))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("user_object_id"), userID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("removed_methods"), methodList(nil))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("deliveries"), receiptList(nil))...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, temporaryAccessPassIdentityModel{UserObjectID: types.StringValue(userID), ID: types.StringValue(id)})...)
}

// passRequestFrom converts the optional pass arguments.
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
