package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/entra-tap/terraform-provider-entra/internal/issuance"
	"github.com/entra-tap/terraform-provider-entra/internal/validators"
)

var (
	_ action.Action              = (*userAuthenticationMethodsRemoveAction)(nil)
	_ action.ActionWithConfigure = (*userAuthenticationMethodsRemoveAction)(nil)
)

// NewUserAuthenticationMethodsRemoveAction removes a user's lost methods on demand.
func NewUserAuthenticationMethodsRemoveAction() action.Action {
	return &userAuthenticationMethodsRemoveAction{}
}

type userAuthenticationMethodsRemoveAction struct {
	data *providerData
}

type userAuthenticationMethodsRemoveModel struct {
	UserID      types.String `tfsdk:"user_id"`
	MethodTypes types.Set    `tfsdk:"method_types"`
}

func (a *userAuthenticationMethodsRemoveAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_user_authentication_methods_remove"
}

func (a *userAuthenticationMethodsRemoveAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Removes a user's authentication methods of the given types, e.g. during a helpdesk call for a user who lost their " +
			"phone or security key: `terraform apply -invoke=action.entra_user_authentication_methods_remove.lost_key`. Terraform 1.14 or later.\n\n" +
			"Removals follow Graph's rules: the mobile phone after the alternate mobile, the usual default methods (Authenticator, phones) last, " +
			"and a removal Graph refuses because the method is the user's default is retried once the others are gone. Passwords are never touched. " +
			"Each removal is reported as progress. Needs the Microsoft Graph application permission `UserAuthenticationMethod.ReadWrite.All`.",
		Attributes: map[string]schema.Attribute{
			"user_id": schema.StringAttribute{Required: true, MarkdownDescription: "The user: object id (GUID) or user principal name.",
				Validators: []validator.String{validators.UserIDOrUPN()}},
			"method_types": schema.SetAttribute{Required: true, ElementType: types.StringType,
				MarkdownDescription: "Method types to remove: any of `fido2`, `microsoftAuthenticator`, `phone`, `email`, `softwareOath`, " +
					"`windowsHelloForBusiness`, `platformCredential`, `external`, or `all`.",
				Validators: []validator.Set{setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(stringvalidator.OneOf(append([]string{issuance.RemoveAll}, issuance.RemovableTypes...)...))}},
		},
	}
}

func (a *userAuthenticationMethodsRemoveAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (a *userAuthenticationMethodsRemoveAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var model userAuthenticationMethodsRemoveModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
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
	user, err := a.data.graph.GetUser(ctx, model.UserID.ValueString())
	if err != nil {
		addUserError(&resp.Diagnostics, model.UserID.ValueString(), err)
		return
	}
	var methodTypes []string
	resp.Diagnostics.Append(model.MethodTypes.ElementsAs(ctx, &methodTypes, false)...)
	removed, notRemoved, err := a.data.engine.RemoveMethods(ctx, user.ID, methodTypes, progress)
	if err != nil {
		addGraphError(&resp.Diagnostics, "Could not remove the user's authentication methods", fmt.Errorf("%w\n\nRemoved: %s. Not removed: %s.",
			err, issuance.DescribeMethods(removed), issuance.DescribeMethods(notRemoved)))
		return
	}
	progress(fmt.Sprintf("Removed %d authentication method(s) of %s", len(removed), user.UserPrincipalName))
}
