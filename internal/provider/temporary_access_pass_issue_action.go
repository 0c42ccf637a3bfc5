package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
	"github.com/entra-tap/terraform-provider-entra/internal/issuance"
	"github.com/entra-tap/terraform-provider-entra/internal/tap"
	"github.com/entra-tap/terraform-provider-entra/internal/validators"
)

var (
	_ action.Action               = (*temporaryAccessPassIssueAction)(nil)
	_ action.ActionWithConfigure  = (*temporaryAccessPassIssueAction)(nil)
	_ action.ActionWithModifyPlan = (*temporaryAccessPassIssueAction)(nil)
)

// NewTemporaryAccessPassIssueAction issues a pass on demand and delivers it, for a helpdesk technician.
func NewTemporaryAccessPassIssueAction() action.Action {
	return &temporaryAccessPassIssueAction{}
}

type temporaryAccessPassIssueAction struct {
	data *providerData
}

type temporaryAccessPassIssueModel struct {
	UserID            types.String `tfsdk:"user_id"`
	StartDateTime     types.String `tfsdk:"start_date_time"`
	LifetimeInMinutes types.Int64  `tfsdk:"lifetime_in_minutes"`
	IsUsableOnce      types.Bool   `tfsdk:"is_usable_once"`
	RemoveMethods     types.Set    `tfsdk:"remove_methods"`
	Delivery          types.Object `tfsdk:"delivery"`
}

func (a *temporaryAccessPassIssueAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_temporary_access_pass_issue"
}

func (a *temporaryAccessPassIssueAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Issues a Temporary Access Pass on demand and delivers it by email or into Key Vault, for a helpdesk call: " +
			"`terraform apply -invoke=action.entra_temporary_access_pass_issue.lost_phone`. Terraform 1.14 or later. Nothing is stored in the state.\n\n" +
			"The request is checked while planning, like every pass (policy, scope, lifetime, one-time rule, start time, guests, the delivery's sender and " +
			"manager), and nothing is written then. While invoking, the action issues the pass, delivers it, and only then removes the lost methods " +
			"(`remove_methods`), reporting each step as progress: a pass that cannot be delivered is revoked, and no method is removed without a delivered pass.\n\n" +
			"Needs the permissions of `entra_temporary_access_pass` (`UserAuthMethod-TAP.ReadWrite.All` or `UserAuthenticationMethod.ReadWrite.All`, " +
			"`User.Read.All`, `Policy.Read.AuthenticationMethod`), `Mail.Send` for email, and `UserAuthenticationMethod.ReadWrite.All` for `remove_methods`.",
		Attributes: map[string]schema.Attribute{
			"user_id": schema.StringAttribute{Required: true, MarkdownDescription: "The user: object id (GUID) or user principal name.",
				Validators: []validator.String{validators.UserIDOrUPN()}},
			"start_date_time": schema.StringAttribute{Optional: true,
				MarkdownDescription: "When the pass starts working (RFC 3339, any offset). Omit it for a pass that works immediately.",
				Validators:          []validator.String{validators.RFC3339()}},
			"lifetime_in_minutes": schema.Int64Attribute{Optional: true,
				MarkdownDescription: "How long the pass works, in minutes (10–43200, within the policy's range), e.g. 10 for a call. Defaults to the policy's default.",
				Validators:          []validator.Int64{int64validator.Between(tap.MinLifetime, tap.MaxLifetime)}},
			"is_usable_once": schema.BoolAttribute{Optional: true, MarkdownDescription: "Whether the pass stops working after its first sign-in. When omitted, the policy decides."},
			"remove_methods": schema.SetAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: removeMethodsDescription,
				Validators: removeMethodsValidators()},
			"delivery": schema.SingleNestedAttribute{Required: true, MarkdownDescription: "Where the pass goes: `email` and/or `key_vault`.",
				Attributes: map[string]schema.Attribute{
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
		},
	}
}

func (a *temporaryAccessPassIssueAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// check runs every check of a pass and of its delivery, with reads only.
func (a *temporaryAccessPassIssueAction) check(ctx context.Context, m temporaryAccessPassIssueModel, diags *diag.Diagnostics) (*issuance.Checked, tap.PassRequest) {
	validateDelivery(ctx, path.Root("delivery"), m.Delivery, false, diags)
	request, ok := passRequestFrom(m.StartDateTime, m.LifetimeInMinutes, m.IsUsableOnce, diags)
	if diags.HasError() || !ok || m.UserID.IsUnknown() {
		return nil, request
	}
	checked, findings, err := a.data.engine.Check(ctx, m.UserID.ValueString(), request, issuance.NoPatience)
	if err != nil {
		addGraphError(diags, "Could not check the Temporary Access Pass request", err)
		return nil, request
	}
	addFindings(diags, findings)
	if checked == nil {
		return nil, request
	}
	checkDeliveryAgainstTenant(ctx, a.data.graph, path.Root("delivery"), deliveryFrom(ctx, m.Delivery, diags), checked.User, diags)
	needs := []graph.Ability{graph.IssuePasses}
	if !m.RemoveMethods.IsNull() && len(m.RemoveMethods.Elements()) > 0 {
		needs = append(needs, graph.RemoveMethods)
	}
	if d := deliveryFrom(ctx, m.Delivery, diags); !d.Email.IsNull() {
		needs = append(needs, graph.SendMail)
	}
	addFindings(diags, a.data.engine.PermissionWarnings(ctx, needs...))
	return checked, request
}

// ModifyPlan checks the request while planning: a bad input fails the plan before the action runs.
func (a *temporaryAccessPassIssueAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	if a.data == nil {
		return
	}
	var m temporaryAccessPassIssueModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	a.check(ctx, m, &resp.Diagnostics)
}

func (a *temporaryAccessPassIssueAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m temporaryAccessPassIssueModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	progress := func(msg string) {
		if resp.SendProgress != nil {
			resp.SendProgress(action.InvokeProgressEvent{Message: msg})
		}
	}
	// Checked again: the user or the policy may have changed since the plan.
	checked, request := a.check(ctx, m, &resp.Diagnostics)
	if checked == nil || resp.Diagnostics.HasError() {
		return
	}
	progress(fmt.Sprintf("Checked %s against the tenant's Temporary Access Pass policy", checked.User.UserPrincipalName))
	var removeTypes []string
	resp.Diagnostics.Append(m.RemoveMethods.ElementsAs(ctx, &removeTypes, false)...)
	deliveries := a.data.deliveriesFor(ctx, deliveryFrom(ctx, m.Delivery, &resp.Diagnostics), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	issued, err := a.data.engine.Issue(ctx, issuance.IssueRequest{User: checked.User, Pass: request, RemoveMethods: removeTypes, Deliveries: deliveries, Progress: progress})
	if err != nil {
		addIssueError(&resp.Diagnostics, err)
		return
	}
	progress(fmt.Sprintf("Done: %s can sign in at %s from %s until %s", checked.User.UserPrincipalName, tap.SignInURL,
		issued.Pass.StartDateTime.UTC().Format(time.RFC3339), issued.Pass.ExpirationDateTime().UTC().Format(time.RFC3339)))
}
