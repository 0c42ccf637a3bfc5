// Package provider implements the entra Terraform provider: Microsoft Entra ID Temporary Access Pass as code.
package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/entra-tap/terraform-provider-entra/internal/auth"
	"github.com/entra-tap/terraform-provider-entra/internal/graph"
	"github.com/entra-tap/terraform-provider-entra/internal/validators"
)

var (
	_ provider.Provider                       = (*entraProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*entraProvider)(nil)
	_ provider.ProviderWithActions            = (*entraProvider)(nil)
	_ provider.ProviderWithListResources      = (*entraProvider)(nil)
)

type entraProvider struct {
	version string
}

// New returns the provider factory for a given build version.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &entraProvider{version: version}
	}
}

type entraProviderModel struct {
	Environment                    types.String `tfsdk:"environment"`
	MSGraphEndpoint                types.String `tfsdk:"msgraph_endpoint"`
	AuthorityHost                  types.String `tfsdk:"authority_host"`
	DisableInstanceDiscovery       types.Bool   `tfsdk:"disable_instance_discovery"`
	TenantID                       types.String `tfsdk:"tenant_id"`
	ClientID                       types.String `tfsdk:"client_id"`
	ClientIDFilePath               types.String `tfsdk:"client_id_file_path"`
	ClientSecret                   types.String `tfsdk:"client_secret"`
	ClientSecretFilePath           types.String `tfsdk:"client_secret_file_path"`
	ClientCertificate              types.String `tfsdk:"client_certificate"`
	ClientCertificatePath          types.String `tfsdk:"client_certificate_path"`
	ClientCertificatePassword      types.String `tfsdk:"client_certificate_password"`
	UseOIDC                        types.Bool   `tfsdk:"use_oidc"`
	OIDCToken                      types.String `tfsdk:"oidc_token"`
	OIDCTokenFilePath              types.String `tfsdk:"oidc_token_file_path"`
	OIDCRequestToken               types.String `tfsdk:"oidc_request_token"`
	OIDCRequestURL                 types.String `tfsdk:"oidc_request_url"`
	ADOPipelineServiceConnectionID types.String `tfsdk:"ado_pipeline_service_connection_id"`
	UseAKSWorkloadIdentity         types.Bool   `tfsdk:"use_aks_workload_identity"`
	UseMSI                         types.Bool   `tfsdk:"use_msi"`
	UseCLI                         types.Bool   `tfsdk:"use_cli"`
}

func (p *entraProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "entra"
	resp.Version = p.version
}

func (p *entraProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	str := func(attr, desc string, sensitive bool, v ...validator.String) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Sensitive: sensitive, MarkdownDescription: desc + envNote(attr), Validators: v}
	}
	boolean := func(attr, desc string) schema.BoolAttribute {
		return schema.BoolAttribute{Optional: true, MarkdownDescription: desc + envNote(attr)}
	}
	conflicts := func(other string) validator.String {
		return stringvalidator.ConflictsWith(path.MatchRoot(other))
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manage Microsoft Entra ID **Temporary Access Pass** (TAP) as code: the tenant's TAP policy, " +
			"passes issued without ever being stored (ephemeral resource), and the recovery of users who lost their authentication methods.\n\n" +
			"The provider signs in the way the `azuread` and `msgraph` providers do and reads the same `ARM_*` environment variables. " +
			"The methods that are configured are tried in this order: client secret, client certificate, OIDC federated token, " +
			"AKS workload identity, managed identity, Azure CLI. A configured method that fails ends the sign-in with its error; only a " +
			"method that is unavailable (no managed identity on the host) passes on to the next.",
		Attributes: map[string]schema.Attribute{
			"environment": str("environment",
				"The Microsoft cloud: `public` (default, alias `global`), `usgovernment` (US Gov L4, GCC High, alias `usgovernmentl4`), "+
					"`dod` (US Gov L5, alias `usgovernmentl5`) or `china` (21Vianet). It selects the sign-in host and the Microsoft Graph endpoint.",
				false, stringvalidator.OneOfCaseInsensitive(auth.EnvironmentNames()...)),
			"msgraph_endpoint": str("msgraph_endpoint",
				"Overrides the Microsoft Graph root for a private or sovereign deployment, e.g. `https://graph.microsoft.us`. An absolute `https://` URL without the `/v1.0` segment.",
				false, validators.HTTPSURL()),
			"authority_host": str("authority_host",
				"Overrides the Microsoft Entra sign-in host (the authority), e.g. `https://login.microsoftonline.us/`. An absolute `https://` URL.",
				false, validators.HTTPSURL()),
			"disable_instance_discovery": boolean("disable_instance_discovery",
				"Skips the authority validation request that Microsoft's identity library makes to `login.microsoftonline.com` before signing in. "+
					"Set it only for disconnected or private clouds whose authority host is not a Microsoft host."),
			"tenant_id": str("tenant_id", "The Microsoft Entra tenant (directory) ID or one of its domains.", false, validators.TenantID()),
			"client_id": str("client_id", "The client (application) ID of the app registration or user-assigned managed identity to sign in as.",
				false, conflicts("client_id_file_path")),
			"client_id_file_path":     str("client_id_file_path", "Path to a file holding the client ID.", false),
			"client_secret":           str("client_secret", "A client secret of the app registration.", true, conflicts("client_secret_file_path")),
			"client_secret_file_path": str("client_secret_file_path", "Path to a file holding the client secret.", false),
			"client_certificate": str("client_certificate",
				"A base64-encoded PKCS#12 (`.pfx`) bundle or PEM file with the certificate and private key of the app registration.",
				true, conflicts("client_certificate_path")),
			"client_certificate_path":     str("client_certificate_path", "Path to a PKCS#12 (`.pfx`) or PEM file with the certificate and private key.", false),
			"client_certificate_password": str("client_certificate_password", "The password of the PKCS#12 bundle, if it has one.", true),
			"use_oidc": boolean("use_oidc",
				"Sign in with an OIDC federated token (workload identity federation), for example from GitHub Actions, Azure Pipelines or HCP Terraform. Defaults to `false`."),
			"oidc_token":           str("oidc_token", "The OIDC ID token to exchange for an access token.", true, conflicts("oidc_token_file_path")),
			"oidc_token_file_path": str("oidc_token_file_path", "Path to a file holding the OIDC ID token; it is re-read at every sign-in.", false),
			"oidc_request_token": str("oidc_request_token",
				"The bearer token for the OIDC provider's token request URL (GitHub Actions sets `ACTIONS_ID_TOKEN_REQUEST_TOKEN`; Azure Pipelines maps `System.AccessToken`).", true),
			"oidc_request_url": str("oidc_request_url", "The URL from which to request an OIDC ID token (GitHub Actions and Azure Pipelines set it). "+
				"With `ado_pipeline_service_connection_id` it must be left unset or equal `SYSTEM_OIDCREQUESTURI`, which Microsoft's `AzurePipelinesCredential` reads.", false),
			"ado_pipeline_service_connection_id": str("ado_pipeline_service_connection_id",
				"The Azure DevOps service connection ID to request the OIDC token for, when running in Azure Pipelines. The token is requested with "+
					"`oidc_request_token` (map `System.AccessToken` into `SYSTEM_ACCESSTOKEN`) from `SYSTEM_OIDCREQUESTURI`, again whenever a new access token is needed.", false),
			"use_aks_workload_identity": boolean("use_aks_workload_identity",
				"Sign in with AKS workload identity, reading `AZURE_CLIENT_ID`, `AZURE_TENANT_ID` and `AZURE_FEDERATED_TOKEN_FILE` as injected by the AKS webhook. Defaults to `false`."),
			"use_msi": boolean("use_msi", "Sign in with the managed identity of the machine Terraform runs on. Set `client_id` for a user-assigned identity. Defaults to `false`."),
			"use_cli": boolean("use_cli", "Sign in with the account of the Azure CLI (`az login`). Defaults to `true`."),
		},
	}
}

func (p *entraProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	ctx = graph.MaskSecrets(ctx)
	var model entraProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if attr, unknown := firstUnknown(model); unknown {
		resp.Diagnostics.AddAttributeError(path.Root(attr), "Provider setting not known until apply",
			fmt.Sprintf("`%s` depends on a value that is only known after apply, so the provider cannot sign in while planning. "+
				"Use a value known at plan time (a variable, a data source or an environment variable).", attr))
		return
	}

	client, cred, summary, err := newClient(model, p.version)
	if err != nil {
		var se settingError
		var ae *auth.SettingError
		switch {
		case errors.As(err, &se):
			resp.Diagnostics.AddAttributeError(path.Root(se.attr), "Invalid provider setting", se.msg)
		case errors.As(err, &ae):
			resp.Diagnostics.AddAttributeError(path.Root(ae.Setting), "Missing provider setting", ae.Error())
		case errors.Is(err, auth.ErrNoSource):
			resp.Diagnostics.AddError("No way to sign in to Microsoft Entra ID",
				"Every authentication method is turned off. Configure one of: client_id with client_secret or client_certificate, "+
					"use_oidc, use_aks_workload_identity, use_msi, or use_cli = true (the default) after `az login`. "+
					"Each setting can also come from its ARM_* environment variable.")
		default:
			resp.Diagnostics.AddError("Could not configure the entra provider", err.Error())
		}
		return
	}
	tflog.Info(ctx, "Configured the Microsoft Graph client", summary)

	data := newProviderData(client, fmt.Sprint(summary["tenant_id"]))
	data.cred = cred
	resp.DataSourceData = data
	resp.ResourceData = data
	resp.EphemeralResourceData = data
	resp.ActionData = data
	resp.ListResourceData = data
}

// firstUnknown returns the first attribute whose value is unknown.
func firstUnknown(m entraProviderModel) (string, bool) {
	values := map[string]interface{ IsUnknown() bool }{
		"environment": m.Environment, "msgraph_endpoint": m.MSGraphEndpoint, "authority_host": m.AuthorityHost,
		"disable_instance_discovery": m.DisableInstanceDiscovery, "tenant_id": m.TenantID, "client_id": m.ClientID,
		"client_id_file_path": m.ClientIDFilePath, "client_secret": m.ClientSecret, "client_secret_file_path": m.ClientSecretFilePath,
		"client_certificate": m.ClientCertificate, "client_certificate_path": m.ClientCertificatePath,
		"client_certificate_password": m.ClientCertificatePassword, "use_oidc": m.UseOIDC, "oidc_token": m.OIDCToken,
		"oidc_token_file_path": m.OIDCTokenFilePath, "oidc_request_token": m.OIDCRequestToken, "oidc_request_url": m.OIDCRequestURL,
		"ado_pipeline_service_connection_id": m.ADOPipelineServiceConnectionID, "use_aks_workload_identity": m.UseAKSWorkloadIdentity,
		"use_msi": m.UseMSI, "use_cli": m.UseCLI,
	}
	for attr, v := range values {
		if v.IsUnknown() {
			return attr, true
		}
	}
	return "", false
}

// newClient resolves the settings (block, then environment, then defaults) and builds the Graph client.
// The summary it returns is safe to log: names and endpoints, never secrets.
func newClient(m entraProviderModel, version string) (*graph.Client, azcore.TokenCredential, map[string]any, error) {
	var s settings
	env, err := auth.LookupEnvironment(s.string("environment", m.Environment))
	if err != nil {
		return nil, nil, nil, settingError{attr: "environment", msg: err.Error()}
	}
	endpoint := env.GraphEndpoint
	if v := s.string("msgraph_endpoint", m.MSGraphEndpoint); v != "" {
		if endpoint, err = auth.NormalizeHTTPSURL(v); err != nil {
			return nil, nil, nil, settingError{attr: "msgraph_endpoint", msg: "msgraph_endpoint " + err.Error() + "."}
		}
	}
	authority := env.AuthorityHost
	if v := s.string("authority_host", m.AuthorityHost); v != "" {
		if authority, err = auth.NormalizeHTTPSURL(v); err != nil {
			return nil, nil, nil, settingError{attr: "authority_host", msg: "authority_host " + err.Error() + "."}
		}
		authority += "/"
	}

	cfg := auth.Config{
		TenantID:                       s.string("tenant_id", m.TenantID),
		ClientID:                       s.fileOr("client_id", m.ClientID, "client_id_file_path", m.ClientIDFilePath),
		ClientSecret:                   s.fileOr("client_secret", m.ClientSecret, "client_secret_file_path", m.ClientSecretFilePath),
		ClientCertificatePassword:      s.string("client_certificate_password", m.ClientCertificatePassword),
		UseOIDC:                        s.bool("use_oidc", m.UseOIDC, false),
		OIDCRequestToken:               s.string("oidc_request_token", m.OIDCRequestToken),
		OIDCRequestURL:                 s.string("oidc_request_url", m.OIDCRequestURL),
		ADOPipelineServiceConnectionID: s.string("ado_pipeline_service_connection_id", m.ADOPipelineServiceConnectionID),
		UseAKSWorkloadIdentity:         s.bool("use_aks_workload_identity", m.UseAKSWorkloadIdentity, false),
		UseMSI:                         s.bool("use_msi", m.UseMSI, false),
		UseCLI:                         s.bool("use_cli", m.UseCLI, true),
		AuthorityHost:                  authority,
		DisableInstanceDiscovery:       s.bool("disable_instance_discovery", m.DisableInstanceDiscovery, false),
		HCPDynamicCredentials:          strings.EqualFold(strings.TrimSpace(os.Getenv("TFC_AZURE_PROVIDER_AUTH")), "true"),
	}
	// A value and a path to a file holding it are one setting: whichever the provider block gives wins over
	// both environment variables, so an aliased block's *_file_path beats ARM_* meant for the default one.
	cfg.ClientCertificate, cfg.ClientCertificatePath = s.valueOrPath("client_certificate", m.ClientCertificate, "client_certificate_path", m.ClientCertificatePath)
	cfg.OIDCToken, cfg.OIDCTokenFilePath = s.valueOrPath("oidc_token", m.OIDCToken, "oidc_token_file_path", m.OIDCTokenFilePath)
	if cfg.UseAKSWorkloadIdentity {
		// The AKS webhook injects these; explicit settings win.
		if cfg.ClientID == "" {
			cfg.ClientID = os.Getenv("AZURE_CLIENT_ID")
		}
		if cfg.TenantID == "" {
			cfg.TenantID = os.Getenv("AZURE_TENANT_ID")
		}
		cfg.AKSFederatedTokenFilePath = os.Getenv("AZURE_FEDERATED_TOKEN_FILE")
	}
	if len(s.errs) > 0 {
		return nil, nil, nil, s.errs[0]
	}

	cred, err := auth.NewCredential(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	client, err := graph.New(graph.Options{
		Endpoint:   endpoint,
		Credential: cred,
		UserAgent:  "terraform-provider-entra/" + version,
	})
	if err != nil {
		return nil, nil, nil, err
	}
	summary := map[string]any{
		"environment":      env.Name,
		"msgraph_endpoint": endpoint,
		"authority_host":   authority,
		"tenant_id":        cfg.TenantID,
		"client_id":        cfg.ClientID,
		"credentials":      strings.Join(cred.SourceNames(), ", "),
	}
	return client, cred, summary, nil
}

func (p *entraProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewTemporaryAccessPassPolicyResource,
		NewTemporaryAccessPassResource,
	}
}

func (p *entraProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewTemporaryAccessPassPolicyDataSource,
		NewUserAuthenticationMethodsDataSource,
	}
}

func (p *entraProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewTemporaryAccessPassEphemeralResource,
	}
}

func (p *entraProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{
		NewTemporaryAccessPassIssueAction,
		NewUserAuthenticationMethodsRemoveAction,
	}
}

func (p *entraProvider) ListResources(context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewTemporaryAccessPassListResource,
	}
}
