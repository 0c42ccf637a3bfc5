package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The provider block beats the environment, and a value and the path of a file holding it are one setting.
func TestSettingsBlockBeatsEnvironmentAcrossValueAndPath(t *testing.T) {
	t.Setenv("ARM_OIDC_TOKEN", "token-from-env")
	t.Setenv("ARM_OIDC_TOKEN_FILE_PATH", "/env/token")
	t.Setenv("ARM_CLIENT_CERTIFICATE", "Y2VydA==")
	var s settings
	tests := []struct {
		attr, pathAttr  string
		value, path     types.String
		wantV, wantPath string
	}{
		{"oidc_token", "oidc_token_file_path", types.StringNull(), types.StringValue("/block/token"), "", "/block/token"},
		{"oidc_token", "oidc_token_file_path", types.StringValue("block-token"), types.StringNull(), "block-token", ""},
		{"oidc_token", "oidc_token_file_path", types.StringNull(), types.StringNull(), "token-from-env", ""},
		{"client_certificate", "client_certificate_path", types.StringNull(), types.StringValue("/block/cert.pfx"), "", "/block/cert.pfx"},
		{"client_certificate", "client_certificate_path", types.StringNull(), types.StringNull(), "Y2VydA==", ""},
	}
	for _, tt := range tests {
		v, p := s.valueOrPath(tt.attr, tt.value, tt.pathAttr, tt.path)
		if v != tt.wantV || p != tt.wantPath {
			t.Errorf("%s %v / %s %v: got (%q, %q), want (%q, %q)", tt.attr, tt.value, tt.pathAttr, tt.path, v, p, tt.wantV, tt.wantPath)
		}
	}
	t.Setenv("ARM_OIDC_TOKEN", "")
	if v, p := s.valueOrPath("oidc_token", types.StringNull(), "oidc_token_file_path", types.StringNull()); v != "" || p != "/env/token" {
		t.Errorf("environment path: got (%q, %q)", v, p)
	}
}
