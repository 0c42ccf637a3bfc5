package consumers

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// keyVaultSecret stands in for azurerm_key_vault_secret.
type keyVaultSecret struct{}

func newKeyVaultSecret() resource.Resource { return keyVaultSecret{} }

type keyVaultSecretModel struct {
	Name           types.String `tfsdk:"name"`
	KeyVaultID     types.String `tfsdk:"key_vault_id"`
	Value          types.String `tfsdk:"value"`
	ValueWO        types.String `tfsdk:"value_wo"`
	ValueWOVersion types.Int64  `tfsdk:"value_wo_version"`
	ContentType    types.String `tfsdk:"content_type"`
	NotBeforeDate  types.String `tfsdk:"not_before_date"`
	ExpirationDate types.String `tfsdk:"expiration_date"`
	Tags           types.Map    `tfsdk:"tags"`
	ID             types.String `tfsdk:"id"`
	Version        types.String `tfsdk:"version"`
}

func (m keyVaultSecretModel) key() string {
	return m.KeyVaultID.ValueString() + "/" + m.Name.ValueString()
}

func (keyVaultSecret) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "azurerm_key_vault_secret"
}

func (keyVaultSecret) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	plainV, woV, versionV := writeOnlyPair("value", "value_wo", "value_wo_version")
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{Attributes: map[string]schema.Attribute{
		"name":             schema.StringAttribute{Required: true, PlanModifiers: replace, Validators: []validator.String{stringvalidator.RegexMatches(secretName, "may only contain alphanumeric characters and dashes")}},
		"key_vault_id":     schema.StringAttribute{Required: true, PlanModifiers: replace},
		"value":            schema.StringAttribute{Optional: true, Sensitive: true, Validators: plainV},
		"value_wo":         schema.StringAttribute{Optional: true, WriteOnly: true, Validators: woV},
		"value_wo_version": schema.Int64Attribute{Optional: true, Validators: versionV},
		"content_type":     schema.StringAttribute{Optional: true},
		"not_before_date":  schema.StringAttribute{Optional: true},
		"expiration_date":  schema.StringAttribute{Optional: true},
		"tags":             schema.MapAttribute{Optional: true, ElementType: types.StringType},
		"id":               schema.StringAttribute{Computed: true, PlanModifiers: keep},
		"version":          schema.StringAttribute{Computed: true, PlanModifiers: keep},
	}}
}

// write stores the value as a new secret version, as Key Vault's Set Secret does.
func (m *keyVaultSecretModel) write(config keyVaultSecretModel) error {
	if failWrite(m.key()) {
		return fmt.Errorf("the vault refused the write (Forbidden)")
	}
	value, version := config.Value.ValueString(), config.ValueWOVersion.ValueInt64()
	if !config.ValueWO.IsNull() {
		value = config.ValueWO.ValueString()
	}
	record(m.key(), value, version)
	m.ID = types.StringValue(m.KeyVaultID.ValueString() + "/secrets/" + m.Name.ValueString() + "/" + versionString(int64(len(Deliveries(m.key())))))
	m.Version = types.StringValue(versionString(int64(len(Deliveries(m.key())))))
	return nil
}

func (keyVaultSecret) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config keyVaultSecretModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := plan.write(config); err != nil {
		resp.Diagnostics.AddError("Error creating Key Vault Secret", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (keyVaultSecret) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state keyVaultSecretModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if isGone(state.key()) {
		resp.State.RemoveResource(ctx)
	}
}

// Update writes a new version when the value (or, for value_wo, its version) changed, as azurerm does.
func (keyVaultSecret) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state, config keyVaultSecretModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.ValueWOVersion.Equal(state.ValueWOVersion) || !plan.Value.Equal(state.Value) {
		if err := plan.write(config); err != nil {
			resp.Diagnostics.AddError("Error updating Key Vault Secret", err.Error())
			return
		}
	} else {
		plan.ID, plan.Version = state.ID, state.Version
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (keyVaultSecret) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// ModifyPlan marks the secret's version unknown when a new value will be written, as azurerm's diff does.
func (keyVaultSecret) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var plan, state keyVaultSecretModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if !plan.ValueWOVersion.Equal(state.ValueWOVersion) || !plan.Value.Equal(state.Value) {
		plan.ID, plan.Version = types.StringUnknown(), types.StringUnknown()
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	}
}

var _ resource.ResourceWithModifyPlan = keyVaultSecret{}
