package provider

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Environment variables read when an attribute is not set in the provider block. The names are those of the
// azuread and msgraph providers, so pipelines that already export them work unchanged.
var settingEnvVars = map[string][]string{
	"environment":                        {"ARM_ENVIRONMENT"},
	"msgraph_endpoint":                   {"ARM_MSGRAPH_ENDPOINT"},
	"authority_host":                     {"ARM_AUTHORITY_HOST", "AZURE_AUTHORITY_HOST"},
	"disable_instance_discovery":         {"ARM_DISABLE_INSTANCE_DISCOVERY"},
	"tenant_id":                          {"ARM_TENANT_ID"},
	"client_id":                          {"ARM_CLIENT_ID"},
	"client_id_file_path":                {"ARM_CLIENT_ID_FILE_PATH"},
	"client_secret":                      {"ARM_CLIENT_SECRET"},
	"client_secret_file_path":            {"ARM_CLIENT_SECRET_FILE_PATH"},
	"client_certificate":                 {"ARM_CLIENT_CERTIFICATE"},
	"client_certificate_path":            {"ARM_CLIENT_CERTIFICATE_PATH"},
	"client_certificate_password":        {"ARM_CLIENT_CERTIFICATE_PASSWORD"},
	"use_oidc":                           {"ARM_USE_OIDC"},
	"oidc_token":                         {"ARM_OIDC_TOKEN"},
	"oidc_token_file_path":               {"ARM_OIDC_TOKEN_FILE_PATH"},
	"oidc_request_token":                 {"ARM_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "SYSTEM_ACCESSTOKEN"},
	"oidc_request_url":                   {"ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL", "SYSTEM_OIDCREQUESTURI"},
	"ado_pipeline_service_connection_id": {"ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID", "ARM_OIDC_AZURE_SERVICE_CONNECTION_ID"},
	"use_aks_workload_identity":          {"ARM_USE_AKS_WORKLOAD_IDENTITY"},
	"use_msi":                            {"ARM_USE_MSI"},
	"use_cli":                            {"ARM_USE_CLI"},
}

// envNote is the sentence every attribute description ends with.
func envNote(attr string) string {
	vars := settingEnvVars[attr]
	quoted := make([]string, len(vars))
	for i, v := range vars {
		quoted[i] = "`" + v + "`"
	}
	if len(quoted) == 1 {
		return fmt.Sprintf(" This can also be sourced from the %s environment variable.", quoted[0])
	}
	return fmt.Sprintf(" This can also be sourced from the %s environment variables (first one set wins).", strings.Join(quoted, ", "))
}

// lookupEnv returns the first non-empty variable of a setting, with its name.
func lookupEnv(attr string) (value, name string) {
	for _, v := range settingEnvVars[attr] {
		if s := strings.TrimSpace(os.Getenv(v)); s != "" {
			return s, v
		}
	}
	return "", ""
}

// settingError points at the attribute in the provider block, or names the variable the value came from.
type settingError struct {
	attr, source, msg string
}

func (e settingError) Error() string { return e.msg }

// settings resolves each attribute: provider block first, then its environment variables, then the default.
type settings struct {
	errs []settingError
}

func (s *settings) string(attr string, v types.String) string {
	if !v.IsNull() && !v.IsUnknown() {
		return strings.TrimSpace(v.ValueString())
	}
	val, _ := lookupEnv(attr)
	return val
}

func (s *settings) bool(attr string, v types.Bool, def bool) bool {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueBool()
	}
	raw, name := lookupEnv(attr)
	if raw == "" {
		return def
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		s.errs = append(s.errs, settingError{attr: attr, source: name,
			msg: fmt.Sprintf("The %s environment variable is %q, which is not a boolean. Set it to true or false, or set `%s` in the provider block.", name, raw, attr)})
		return def
	}
	return b
}

// valueOrPath resolves a setting that is given either as a value or as the path of a file holding it, and
// returns one of the two: the provider block's value, else the block's path, else the value's environment
// variable, else the path's. The file is not read here; its reader re-reads it when it needs it.
func (s *settings) valueOrPath(attr string, v types.String, pathAttr string, pv types.String) (value, path string) {
	if !v.IsNull() && !v.IsUnknown() && strings.TrimSpace(v.ValueString()) != "" {
		return strings.TrimSpace(v.ValueString()), ""
	}
	if !pv.IsNull() && !pv.IsUnknown() && strings.TrimSpace(pv.ValueString()) != "" {
		return "", strings.TrimSpace(pv.ValueString())
	}
	if val, _ := lookupEnv(attr); val != "" {
		return val, ""
	}
	path, _ = lookupEnv(pathAttr)
	return "", path
}

// fileOr returns the value of attr, or the trimmed content of the file named by fileAttr. The provider
// block wins over the environment: a value or file path set in the block beats ARM_* variables.
func (s *settings) fileOr(attr string, v types.String, fileAttr string, fv types.String) string {
	block := func(x types.String) string {
		if x.IsNull() || x.IsUnknown() {
			return ""
		}
		return strings.TrimSpace(x.ValueString())
	}
	if val := block(v); val != "" {
		return val
	}
	path := block(fv)
	if path == "" {
		if val, _ := lookupEnv(attr); val != "" {
			return val
		}
		path, _ = lookupEnv(fileAttr)
	}
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		s.errs = append(s.errs, settingError{attr: fileAttr,
			msg: fmt.Sprintf("Could not read the file named by `%s`: %s. Check the path and its permissions.", fileAttr, err)})
		return ""
	}
	return strings.TrimSpace(string(b))
}
