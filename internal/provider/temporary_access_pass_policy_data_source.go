package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
)

var (
	_ datasource.DataSource              = (*temporaryAccessPassPolicyDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*temporaryAccessPassPolicyDataSource)(nil)
)

// NewTemporaryAccessPassPolicyDataSource reads the tenant's Temporary Access Pass policy.
func NewTemporaryAccessPassPolicyDataSource() datasource.DataSource {
	return &temporaryAccessPassPolicyDataSource{}
}

type temporaryAccessPassPolicyDataSource struct {
	data *providerData
}

func (d *temporaryAccessPassPolicyDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_temporary_access_pass_policy"
}

func (d *temporaryAccessPassPolicyDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the tenant's Temporary Access Pass policy: whether passes can be issued, to whom, for how long, how long they are " +
			"and whether they are one-time. It is the `TemporaryAccessPass` configuration of the authentication methods policy.\n\n" +
			"Needs the Microsoft Graph application permission `Policy.Read.AuthenticationMethod` (or a delegated Global Reader / Authentication Policy Administrator).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "Always `TemporaryAccessPass`: the policy is a tenant singleton."},
			"enabled": schema.BoolAttribute{Computed: true,
				MarkdownDescription: "Whether the Temporary Access Pass method is enabled in the tenant (Graph `state`)."},
			"default_length": schema.Int64Attribute{Computed: true, MarkdownDescription: "Number of characters of a new pass (8–48)."},
			"default_lifetime_in_minutes": schema.Int64Attribute{Computed: true,
				MarkdownDescription: "Lifetime of a pass issued without an explicit lifetime, between the minimum and the maximum."},
			"minimum_lifetime_in_minutes": schema.Int64Attribute{Computed: true, MarkdownDescription: "Shortest lifetime a pass may be issued with (10–43200)."},
			"maximum_lifetime_in_minutes": schema.Int64Attribute{Computed: true, MarkdownDescription: "Longest lifetime a pass may be issued with (10–43200)."},
			"is_usable_once": schema.BoolAttribute{Computed: true,
				MarkdownDescription: "When `true`, every pass in the tenant is one-time; when `false`, a pass may be one-time or reusable within its lifetime."},
			"include_targets": schema.SetNestedAttribute{Computed: true,
				MarkdownDescription: "Users and groups who may be issued a pass. The id `all_users` (with `target_type = \"group\"`) stands for everyone.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":          schema.StringAttribute{Computed: true, MarkdownDescription: "Object id of the user or group, or `all_users`."},
					"target_type": schema.StringAttribute{Computed: true, MarkdownDescription: "`group` or `user`."},
					"is_registration_required": schema.BoolAttribute{Computed: true,
						MarkdownDescription: "Whether the targets are required to register the method."},
				}},
			},
			"exclude_targets": schema.SetNestedAttribute{Computed: true,
				MarkdownDescription: "Users and groups who may never be issued a pass, even when included.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":          schema.StringAttribute{Computed: true, MarkdownDescription: "Object id of the user or group."},
					"target_type": schema.StringAttribute{Computed: true, MarkdownDescription: "`group` or `user`."},
				}},
			},
		},
	}
}

func (d *temporaryAccessPassPolicyDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *temporaryAccessPassPolicyDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	// A data source reads the live policy: bypass the per-process cache, then share what it read.
	policy, err := d.data.policy.Refresh(ctx)
	if err != nil {
		addGraphError(&resp.Diagnostics, "Could not read the Temporary Access Pass policy", err)
		return
	}
	var model policyModel
	resp.Diagnostics.Append(model.fromGraph(policy)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}
