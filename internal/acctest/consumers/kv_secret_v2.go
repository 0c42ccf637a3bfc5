package consumers

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// kvSecretV2 stands in for vault_kv_secret_v2.
type kvSecretV2 struct{}

func newKVSecretV2() resource.Resource { return kvSecretV2{} }

type kvSecretV2Model struct {
	Mount             types.String `tfsdk:"mount"`
	Name              types.String `tfsdk:"name"`
	DataJSON          types.String `tfsdk:"data_json"`
	DataJSONWO        types.String `tfsdk:"data_json_wo"`
	DataJSONWOVersion types.Int64  `tfsdk:"data_json_wo_version"`
	Path              types.String `tfsdk:"path"`
	ID                types.String `tfsdk:"id"`
}

func (m kvSecretV2Model) key() string { return m.Mount.ValueString() + "/" + m.Name.ValueString() }

func (kvSecretV2) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "vault_kv_secret_v2"
}

func (kvSecretV2) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	plainV, woV, versionV := writeOnlyPair("data_json", "data_json_wo", "data_json_wo_version")
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{Attributes: map[string]schema.Attribute{
		"mount":                schema.StringAttribute{Required: true, PlanModifiers: replace},
		"name":                 schema.StringAttribute{Required: true, PlanModifiers: replace},
		"data_json":            schema.StringAttribute{Optional: true, Sensitive: true, Validators: append(plainV, jsonObject{})},
		"data_json_wo":         schema.StringAttribute{Optional: true, Sensitive: true, WriteOnly: true, Validators: append(woV, validator.String(jsonObject{}))},
		"data_json_wo_version": schema.Int64Attribute{Optional: true, Validators: versionV},
		"path":                 schema.StringAttribute{Computed: true, PlanModifiers: keep},
		"id":                   schema.StringAttribute{Computed: true, PlanModifiers: keep},
	}}
}

func (m *kvSecretV2Model) write(config kvSecretV2Model) error {
	if failWrite(m.key()) {
		return fmt.Errorf("permission denied")
	}
	value := config.DataJSON.ValueString()
	if !config.DataJSONWO.IsNull() {
		value = config.DataJSONWO.ValueString()
	}
	record(m.key(), value, config.DataJSONWOVersion.ValueInt64())
	m.Path = types.StringValue(m.Mount.ValueString() + "/data/" + m.Name.ValueString())
	m.ID = m.Path
	return nil
}

func (kvSecretV2) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config kvSecretV2Model
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := plan.write(config); err != nil {
		resp.Diagnostics.AddError("error writing secret data to "+plan.key(), err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (kvSecretV2) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state kvSecretV2Model
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if isGone(state.key()) {
		resp.State.RemoveResource(ctx)
	}
}

func (kvSecretV2) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state, config kvSecretV2Model
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.DataJSONWOVersion.Equal(state.DataJSONWOVersion) || !plan.DataJSON.Equal(state.DataJSON) {
		if err := plan.write(config); err != nil {
			resp.Diagnostics.AddError("error writing secret data to "+plan.key(), err.Error())
			return
		}
	} else {
		plan.Path, plan.ID = state.Path, state.ID
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (kvSecretV2) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
