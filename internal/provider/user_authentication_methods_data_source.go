package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
	"github.com/entra-tap/terraform-provider-entra/internal/validators"
)

var (
	_ datasource.DataSource              = (*userAuthenticationMethodsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*userAuthenticationMethodsDataSource)(nil)
)

// NewUserAuthenticationMethodsDataSource lists a user's registered authentication methods.
func NewUserAuthenticationMethodsDataSource() datasource.DataSource {
	return &userAuthenticationMethodsDataSource{}
}

type userAuthenticationMethodsDataSource struct {
	data *providerData
}

type userAuthenticationMethodsModel struct {
	UserID              types.String `tfsdk:"user_id"`
	UserObjectID        types.String `tfsdk:"user_object_id"`
	UserPrincipalName   types.String `tfsdk:"user_principal_name"`
	Methods             types.List   `tfsdk:"methods"`
	MethodTypes         types.Set    `tfsdk:"method_types"`
	TemporaryAccessPass types.Object `tfsdk:"temporary_access_pass"`
}

var passSummaryAttrTypes = map[string]attr.Type{
	"id": types.StringType, "created_date_time": types.StringType, "start_date_time": types.StringType,
	"expiration_date_time": types.StringType, "lifetime_in_minutes": types.Int64Type, "is_usable_once": types.BoolType,
	"is_usable": types.BoolType, "method_usability_reason": types.StringType,
}

func (d *userAuthenticationMethodsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_user_authentication_methods"
}

func methodAttributes() map[string]schema.Attribute {
	attrs := map[string]schema.Attribute{}
	for name := range methodAttrTypes {
		attrs[name] = schema.StringAttribute{Computed: true, MarkdownDescription: methodAttributeDescriptions[name]}
	}
	return attrs
}

func (d *userAuthenticationMethodsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists every authentication method a user has registered, with the details that tell which belong to a lost " +
			"device, and the user's Temporary Access Pass if they hold one. The first step of a recovery: see the methods, remove the lost ones " +
			"(`remove_methods` of `entra_temporary_access_pass`, or the `entra_user_authentication_methods_remove` action), issue a pass.\n\n" +
			"Needs the Microsoft Graph application permission `UserAuthenticationMethod.Read.All` (delegated: Authentication Administrator).",
		Attributes: map[string]schema.Attribute{
			"user_id": schema.StringAttribute{Required: true, MarkdownDescription: "The user: object id (GUID) or user principal name.",
				Validators: []validator.String{validators.UserIDOrUPN()}},
			"user_object_id":      schema.StringAttribute{Computed: true, MarkdownDescription: "Object id of the user."},
			"user_principal_name": schema.StringAttribute{Computed: true, MarkdownDescription: "User principal name of the user."},
			"methods": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "Every registered method, the password included, in Graph's order.",
				NestedObject: schema.NestedAttributeObject{Attributes: methodAttributes()}},
			"method_types": schema.SetAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "The distinct types of `methods`, e.g. to check in a precondition that a lost key is gone."},
			"temporary_access_pass": schema.SingleNestedAttribute{Computed: true,
				MarkdownDescription: "The user's Temporary Access Pass, without its value (Graph only returns that once, at creation); null when they hold none.",
				Attributes: map[string]schema.Attribute{
					"id":                      schema.StringAttribute{Computed: true, MarkdownDescription: "Id of the pass."},
					"created_date_time":       schema.StringAttribute{Computed: true, MarkdownDescription: "When the pass was created."},
					"start_date_time":         schema.StringAttribute{Computed: true, MarkdownDescription: "When the pass starts working."},
					"expiration_date_time":    schema.StringAttribute{Computed: true, MarkdownDescription: "When the pass stops working."},
					"lifetime_in_minutes":     schema.Int64Attribute{Computed: true, MarkdownDescription: "Lifetime of the pass, in minutes."},
					"is_usable_once":          schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the pass is one-time."},
					"is_usable":               schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the pass can be used now."},
					"method_usability_reason": schema.StringAttribute{Computed: true, MarkdownDescription: "Graph's reason for `is_usable`."},
				}},
		},
	}
}

func (d *userAuthenticationMethodsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *userAuthenticationMethodsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var model userAuthenticationMethodsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}
	user, err := d.data.graph.GetUser(ctx, model.UserID.ValueString())
	if err != nil {
		addUserError(&resp.Diagnostics, model.UserID.ValueString(), err)
		return
	}
	methods, err := d.data.graph.ListMethods(ctx, user.ID)
	if err != nil {
		addGraphError(&resp.Diagnostics, "Could not list the user's authentication methods", err)
		return
	}
	model.UserObjectID = types.StringValue(user.ID)
	model.UserPrincipalName = types.StringValue(user.UserPrincipalName)
	model.Methods = methodList(methods)
	typeSet := map[string]bool{}
	var typeValues []attr.Value
	for _, m := range methods {
		if !typeSet[m.Type] {
			typeSet[m.Type] = true
			typeValues = append(typeValues, types.StringValue(m.Type))
		}
	}
	model.MethodTypes = types.SetValueMust(types.StringType, typeValues)
	model.TemporaryAccessPass = types.ObjectNull(passSummaryAttrTypes)
	if typeSet[graph.MethodTemporaryAccessPass] {
		passes, err := d.data.graph.ListTAPs(ctx, user.ID)
		if err != nil {
			addGraphError(&resp.Diagnostics, "Could not read the user's Temporary Access Pass", err)
			return
		}
		if len(passes) > 0 {
			model.TemporaryAccessPass = passSummary(passes[0])
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}

func passSummary(p graph.TemporaryAccessPass) types.Object {
	return types.ObjectValueMust(passSummaryAttrTypes, map[string]attr.Value{
		"id":                      types.StringValue(p.ID),
		"created_date_time":       types.StringValue(p.CreatedDateTime.Format(time.RFC3339)),
		"start_date_time":         types.StringValue(p.StartDateTime.Format(time.RFC3339)),
		"expiration_date_time":    types.StringValue(p.ExpirationDateTime().Format(time.RFC3339)),
		"lifetime_in_minutes":     types.Int64Value(int64(p.LifetimeInMinutes)),
		"is_usable_once":          types.BoolValue(p.IsUsableOnce),
		"is_usable":               types.BoolValue(p.IsUsable),
		"method_usability_reason": types.StringValue(p.MethodUsabilityReason),
	})
}
