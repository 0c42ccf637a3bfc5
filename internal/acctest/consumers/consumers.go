// Package consumers serves stand-ins for the providers that real configurations hand a pass to, so that the
// acceptance tests exercise the provider against the same validation Terraform users meet:
//
//   - provider "azurerm", resource azurerm_key_vault_secret, shaped like hashicorp/azurerm 4.x
//     (internal/services/keyvault/key_vault_secret_resource.go): value and value_wo exactly one of, value_wo
//     required with value_wo_version (at least 1), name matching ^[0-9a-zA-Z-]{1,127}$;
//   - provider "vault", resource vault_kv_secret_v2, shaped like hashicorp/vault 5.x: data_json and data_json_wo
//     exactly one of, data_json_wo required with data_json_wo_version (at least 1), both valid JSON objects.
//
// They keep what they receive in process memory (Deliveries), for the tests to compare with what the emulator
// issued and to sign in with; they never log a value.
package consumers

import (
	"context"
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// Delivery is one value a consumer stored: a create, or an update whose version changed.
type Delivery struct {
	Value   string
	Version int64
	At      time.Time
}

var store struct {
	sync.Mutex
	byKey map[string][]Delivery
	// gone marks secrets deleted "outside Terraform" by a test.
	gone map[string]bool
	// failing makes the next writes of a key fail, as a vault refusing would.
	failing map[string]int
}

func record(key, value string, version int64) {
	store.Lock()
	defer store.Unlock()
	if store.byKey == nil {
		store.byKey = map[string][]Delivery{}
	}
	store.byKey[key] = append(store.byKey[key], Delivery{Value: value, Version: version, At: time.Now()})
	delete(store.gone, key)
}

// failWrite reports whether a write of key must fail, counting the failure.
func failWrite(key string) bool {
	store.Lock()
	defer store.Unlock()
	if store.failing[key] > 0 {
		store.failing[key]--
		return true
	}
	return false
}

// Deliveries returns what the consumer with this key received, oldest first. The key is
// "<key_vault_id>/<name>" for azurerm_key_vault_secret and "<mount>/<name>" for vault_kv_secret_v2.
func Deliveries(key string) []Delivery {
	store.Lock()
	defer store.Unlock()
	return append([]Delivery(nil), store.byKey[key]...)
}

// Keys returns the keys that received anything whose prefix matches, sorted.
func Keys(prefix string) []string {
	store.Lock()
	defer store.Unlock()
	var keys []string
	for k := range store.byKey {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// Delete makes the secret with this key vanish, as if deleted outside Terraform: the next refresh drops it.
func Delete(key string) {
	store.Lock()
	defer store.Unlock()
	if store.gone == nil {
		store.gone = map[string]bool{}
	}
	store.gone[key] = true
}

// FailWrites makes the next n writes of the secret with this key fail.
func FailWrites(key string, n int) {
	store.Lock()
	defer store.Unlock()
	if store.failing == nil {
		store.failing = map[string]int{}
	}
	store.failing[key] = n
}

func isGone(key string) bool {
	store.Lock()
	defer store.Unlock()
	return store.gone[key]
}

// Factories serves both consumers in-process, for terraform-plugin-testing.
func Factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"azurerm": providerserver.NewProtocol6WithError(&consumerProvider{name: "azurerm", resources: []func() resource.Resource{newKeyVaultSecret}}),
		"vault":   providerserver.NewProtocol6WithError(&consumerProvider{name: "vault", resources: []func() resource.Resource{newKVSecretV2}}),
	}
}

type consumerProvider struct {
	name      string
	resources []func() resource.Resource
}

func (p *consumerProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = p.name
}
func (p *consumerProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {
}
func (p *consumerProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}
func (p *consumerProvider) Resources(context.Context) []func() resource.Resource { return p.resources }
func (p *consumerProvider) DataSources(context.Context) []func() datasource.DataSource {
	return nil
}

// writeOnlyPair returns the validators of a value / value_wo / value_wo_version triple as azurerm and vault
// declare them (SDKv2 ExactlyOneOf and RequiredWith; the framework's equivalents skip unknown values alike).
func writeOnlyPair(plain, wo, version string) (plainV, woV []validator.String, versionV []validator.Int64) {
	exactlyOne := stringvalidator.ExactlyOneOf(path.MatchRoot(plain), path.MatchRoot(wo))
	return []validator.String{exactlyOne},
		[]validator.String{exactlyOne, stringvalidator.AlsoRequires(path.MatchRoot(version))},
		[]validator.Int64{int64validator.AtLeast(1), int64validator.AlsoRequires(path.MatchRoot(wo))}
}

var secretName = regexp.MustCompile(`^[0-9a-zA-Z-]{1,127}$`)

// jsonObject validates a JSON object, as vault's ValidateDataJSONFunc does.
type jsonObject struct{}

func (jsonObject) Description(context.Context) string         { return "must be a JSON object" }
func (jsonObject) MarkdownDescription(context.Context) string { return "must be a JSON object" }
func (jsonObject) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(req.ConfigValue.ValueString()), &m); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid JSON", "data_json must be a JSON object: "+err.Error())
	}
}

func versionString(v int64) string { return strconv.FormatInt(v, 10) }
