package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
	"github.com/entra-tap/terraform-provider-entra/internal/validators"
)

var (
	_ list.ListResource              = (*temporaryAccessPassListResource)(nil)
	_ list.ListResourceWithConfigure = (*temporaryAccessPassListResource)(nil)
)

// NewTemporaryAccessPassListResource finds the passes held by the members of a group (terraform query).
func NewTemporaryAccessPassListResource() list.ListResource {
	return &temporaryAccessPassListResource{}
}

type temporaryAccessPassListResource struct {
	data *providerData
}

type temporaryAccessPassListModel struct {
	GroupID types.String `tfsdk:"group_id"`
}

func (l *temporaryAccessPassListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_temporary_access_pass"
}

func (l *temporaryAccessPassListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds the members of a group (nested groups included) who hold a Temporary Access Pass that has not expired, " +
			"for a security review or to bring passes under management with `terraform query -generate-config-out`. Terraform 1.14 or later. " +
			"Pass values are never returned.",
		Attributes: map[string]schema.Attribute{
			"group_id": schema.StringAttribute{Required: true, MarkdownDescription: "Object id of the group whose members to look at.",
				Validators: []validator.String{validators.GUID()}},
		},
	}
}

func (l *temporaryAccessPassListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (l *temporaryAccessPassListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var config temporaryAccessPassListModel
	if diags := req.Config.Get(ctx, &config); diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	members, err := l.data.graph.ListGroupUsers(ctx, config.GroupID.ValueString())
	if err != nil {
		var diags diag.Diagnostics
		addGraphError(&diags, "Could not list the members of the group", err)
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = func(push func(list.ListResult) bool) {
		var pushed int64
		for _, user := range members {
			if req.Limit > 0 && pushed >= req.Limit {
				return
			}
			passes, err := l.data.graph.ListTAPs(ctx, user.ID)
			if err != nil {
				var diags diag.Diagnostics
				addGraphError(&diags, "Could not list the passes of "+user.UserPrincipalName, err)
				push(list.ListResult{Diagnostics: diags})
				return
			}
			pass := outstandingPass(passes)
			if pass == nil {
				continue
			}
			result := req.NewListResult(ctx)
			result.DisplayName = fmt.Sprintf("%s: pass %s, %s until %s", user.UserPrincipalName, pass.ID, pass.MethodUsabilityReason,
				pass.ExpirationDateTime().Format(time.RFC3339))
			result.Diagnostics.Append(result.Identity.Set(ctx, temporaryAccessPassIdentityModel{
				UserObjectID: types.StringValue(user.ID), ID: types.StringValue(pass.ID)})...)
			if req.IncludeResource {
				m := listedPass(*pass, graph.User{ID: user.ID, UserPrincipalName: user.UserPrincipalName})
				result.Diagnostics.Append(result.Resource.Set(ctx, &m)...)
			}
			if !push(result) {
				return
			}
			pushed++
		}
	}
}

// listedPass is a pass as the managed resource would hold it after an import: arguments unset, the pass
// value unknown to anyone.
func listedPass(p graph.TemporaryAccessPass, user graph.User) temporaryAccessPassModel {
	m := temporaryAccessPassModel{
		UserID: types.StringNull(), StartDateTime: types.StringNull(), RemoveMethods: types.SetNull(types.StringType),
		Triggers: types.MapNull(types.StringType), Delivery: types.ObjectNull(deliveryAttrTypes), TemporaryAccessPass: types.StringNull(),
		Timeouts: timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
			"create": types.StringType, "read": types.StringType, "update": types.StringType, "delete": types.StringType,
		})},
		Version: types.Int64Value(p.CreatedDateTime.UnixMilli()), RemovedMethods: methodList(nil), Deliveries: receiptList(nil),
	}
	m.fromPass(p, user)
	return m
}

// outstandingPass returns the pass the user holds that has not expired by Graph's account: usable now, waiting
// for its start, or already used within its lifetime.
func outstandingPass(passes []graph.TemporaryAccessPass) *graph.TemporaryAccessPass {
	for i := range passes {
		if !strings.EqualFold(passes[i].MethodUsabilityReason, "Expired") {
			p := passes[i]
			return &p
		}
	}
	return nil
}
