package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/entra-tap/terraform-provider-entra/internal/tap"
	"github.com/entra-tap/terraform-provider-entra/internal/validators"
)

var (
	_ ephemeral.EphemeralResource              = (*temporaryAccessPassEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure = (*temporaryAccessPassEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithClose     = (*temporaryAccessPassEphemeralResource)(nil)
)

// NewTemporaryAccessPassEphemeralResource hands a pass the managed resource just issued to write-only
// arguments of other providers, once.
func NewTemporaryAccessPassEphemeralResource() ephemeral.EphemeralResource {
	return &temporaryAccessPassEphemeralResource{}
}

type temporaryAccessPassEphemeralResource struct {
	data *providerData
}

type temporaryAccessPassEphemeralModel struct {
	PassID   types.String `tfsdk:"pass_id"`
	Applying types.Bool   `tfsdk:"applying"`

	HandedOver          types.Bool   `tfsdk:"handed_over"`
	TemporaryAccessPass types.String `tfsdk:"temporary_access_pass"`
	UserObjectID        types.String `tfsdk:"user_object_id"`
	UserPrincipalName   types.String `tfsdk:"user_principal_name"`
	StartDateTime       types.String `tfsdk:"start_date_time"`
	ExpirationDateTime  types.String `tfsdk:"expiration_date_time"`
	LifetimeInMinutes   types.Int64  `tfsdk:"lifetime_in_minutes"`
	IsUsableOnce        types.Bool   `tfsdk:"is_usable_once"`
	SignInURL           types.String `tfsdk:"sign_in_url"`
}

// PlanPlaceholder is what temporary_access_pass holds while planning, when the managed pass is not being
// replaced: a known value, which consumers' validators accept and which leaves their plan empty on Terraform and
// OpenTofu alike (OpenTofu plans an update of a write-only argument fed an unknown ephemeral value). It is
// never a pass and never reaches a consumer: write-only arguments are evaluated again while applying, when this
// resource returns the pass or null.
const PlanPlaceholder = "placeholder-while-planning-not-a-pass"

func (r *temporaryAccessPassEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_temporary_access_pass"
}

func (r *temporaryAccessPassEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "-> The pass is never written to the state or the plan. This resource issues nothing: it hands over, once, the pass that an " +
			"`entra_temporary_access_pass` **resource** with `delivery = { ephemeral = true }` has just issued in the same apply, so that another provider's " +
			"write-only argument (a Key Vault secret's `value_wo`, a Vault secret's `data_json_wo`) receives it.\n\n" +
			"Two settings make the hand-over exact, on Terraform and OpenTofu alike:\n" +
			"- `pass_id = entra_temporary_access_pass.x.id` and `applying = terraform.applying`;\n" +
			"- the consumer's version argument set to the managed resource's `version` (`value_wo_version = entra_temporary_access_pass.x.version`), so that " +
			"the consumer takes a pass in exactly the applies that issue one.\n\n" +
			"**While planning**, nothing is read and nothing is issued. When the managed resource will issue a pass, its `id` is unknown, so neither CLI opens " +
			"this resource and the consumer's argument is unknown. Otherwise `temporary_access_pass` holds the placeholder `" + PlanPlaceholder + "`: " +
			"consumers' validators accept a known value (they reject null), and OpenTofu plans no change (it plans an update of any write-only argument fed an unknown ephemeral value). " +
			"The placeholder never reaches a consumer: write-only arguments are evaluated again while applying.\n\n" +
			"**While applying**, `temporary_access_pass` is the pass when this apply issued it (`handed_over = true`), and null otherwise: a re-apply with no " +
			"change, `apply -refresh-only`, a destroy. No consumer asks for it then, since its version did not change; one whose version changed for another " +
			"reason fails with its own validation error and receives nothing. Terraform confirms, by closing this resource, that every consumer succeeded; " +
			"when one fails, the provider revokes the pass at the end of the run, and the next apply issues and hands over a new one.",
		Attributes: map[string]schema.Attribute{
			"pass_id": schema.StringAttribute{Required: true,
				MarkdownDescription: "The `id` of the `entra_temporary_access_pass` resource whose pass to hand over.",
				Validators:          []validator.String{validators.GUID()}},
			"applying": schema.BoolAttribute{Required: true,
				MarkdownDescription: "Set it to `terraform.applying`: `false` while planning, when this resource hands over nothing, and `true` while applying."},

			"handed_over": schema.BoolAttribute{Computed: true,
				MarkdownDescription: "Whether this run issued the pass and `temporary_access_pass` holds it."},
			"temporary_access_pass": schema.StringAttribute{Computed: true, Sensitive: true,
				MarkdownDescription: "The pass, in the apply that issued it; null in other applies; the placeholder `" + PlanPlaceholder + "` while planning."},
			"user_object_id":       schema.StringAttribute{Computed: true, MarkdownDescription: "Object id of the user, when handed over."},
			"user_principal_name":  schema.StringAttribute{Computed: true, MarkdownDescription: "User principal name of the user, when handed over."},
			"start_date_time":      schema.StringAttribute{Computed: true, MarkdownDescription: "When the pass starts working (RFC 3339, UTC), when handed over."},
			"expiration_date_time": schema.StringAttribute{Computed: true, MarkdownDescription: "When the pass stops working (RFC 3339, UTC), when handed over."},
			"lifetime_in_minutes":  schema.Int64Attribute{Computed: true, MarkdownDescription: "The pass's lifetime in minutes, when handed over."},
			"is_usable_once":       schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the pass is one-time, when handed over."},
			"sign_in_url": schema.StringAttribute{Computed: true,
				MarkdownDescription: "Where the user goes with the pass: `" + tap.SignInURL + "` (Security info), to register their methods."},
		},
	}
}

func (r *temporaryAccessPassEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// privatePassID is the private key under which Open tells Close which pass it handed over.
const privatePassID = "pass_id"

func (r *temporaryAccessPassEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var model temporaryAccessPassEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}
	model.SignInURL = types.StringValue(tap.SignInURL)
	if !model.Applying.ValueBool() {
		model.nothingHandedOver(types.StringValue(PlanPlaceholder))
		resp.Diagnostics.Append(resp.Result.Set(ctx, &model)...)
		return
	}
	pass, ok := r.data.engine.Handovers().Open(model.PassID.ValueString())
	if !ok {
		// This run did not issue the pass: a re-apply, a refresh-only apply. No consumer's version changed, so
		// none asks for it.
		model.nothingHandedOver(types.StringNull())
		resp.Diagnostics.Append(resp.Result.Set(ctx, &model)...)
		return
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privatePassID, []byte(fmt.Sprintf("%q", pass.ID)))...)
	model.HandedOver = types.BoolValue(true)
	model.TemporaryAccessPass = types.StringValue(pass.Value)
	model.UserObjectID = types.StringValue(pass.User.ID)
	model.UserPrincipalName = types.StringValue(pass.User.UserPrincipalName)
	model.StartDateTime = types.StringValue(pass.StartDateTime.UTC().Format(time.RFC3339))
	model.ExpirationDateTime = types.StringValue(pass.ExpirationDateTime().UTC().Format(time.RFC3339))
	model.LifetimeInMinutes = types.Int64Value(int64(pass.LifetimeInMinutes))
	model.IsUsableOnce = types.BoolValue(pass.IsUsableOnce)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &model)...)
}

// Close is Terraform's confirmation that every consumer of the pass succeeded: Terraform does not close an
// ephemeral resource whose consumer failed.
func (r *temporaryAccessPassEphemeralResource) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	raw, diags := req.Private.GetKey(ctx, privatePassID)
	resp.Diagnostics.Append(diags...)
	if len(raw) < 2 || r.data == nil {
		return
	}
	r.data.engine.Handovers().Confirm(string(raw[1 : len(raw)-1]))
}

func (m *temporaryAccessPassEphemeralModel) nothingHandedOver(pass types.String) {
	m.HandedOver = types.BoolValue(false)
	m.TemporaryAccessPass = pass
	m.UserObjectID, m.UserPrincipalName = types.StringNull(), types.StringNull()
	m.StartDateTime, m.ExpirationDateTime = types.StringNull(), types.StringNull()
	m.LifetimeInMinutes, m.IsUsableOnce = types.Int64Null(), types.BoolNull()
}
