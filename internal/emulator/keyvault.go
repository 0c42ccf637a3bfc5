package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Azure Key Vault secrets (data-plane REST API 7.x), served from the same listener as Graph under
// /_keyvault/{vaultName}: the vault URI a client uses is https://127.0.0.1:PORT/_keyvault/{vaultName}.
// Requests without a token get Key Vault's challenge (401 with WWW-Authenticate naming the vault's tenant
// and resource); tokens are the emulator's own, with the cloud's Key Vault audience. Access is Azure RBAC:
// roles granted per app per vault through the control API (keyVaultAccessModel switches it).

const keyVaultPrefix = "/_keyvault"

func isKeyVaultPath(p string) bool {
	return p == keyVaultPrefix || strings.HasPrefix(p, keyVaultPrefix+"/")
}

// KeyVaultURL is the vault URI of the named vault on this emulator, for azsecrets.NewClient.
func (e *Emulator) KeyVaultURL(vaultName string) string {
	return e.url + keyVaultPrefix + "/" + strings.ToLower(vaultName)
}

// kvCloud is one cloud's Key Vault resource (token audience, challenge resource) and DNS suffix.
type kvCloud struct {
	Name      string `json:"cloud"`
	Resource  string `json:"resource"`
	DNSSuffix string `json:"dnsSuffix"`
}

var kvClouds = map[string]kvCloud{
	"public":       {"public", "https://vault.azure.net", "vault.azure.net"},
	"usgovernment": {"usgovernment", "https://vault.usgovcloudapi.net", "vault.usgovcloudapi.net"},
	"china":        {"china", "https://vault.azure.cn", "vault.azure.cn"},
}

// Built-in Key Vault data-plane roles and the secret data actions each grants.
const (
	kvActionGet      = "Microsoft.KeyVault/vaults/secrets/getSecret/action"
	kvActionSet      = "Microsoft.KeyVault/vaults/secrets/setSecret/action"
	kvActionUpdate   = "Microsoft.KeyVault/vaults/secrets/update/action"
	kvActionDelete   = "Microsoft.KeyVault/vaults/secrets/delete"
	kvActionMetadata = "Microsoft.KeyVault/vaults/secrets/readMetadata/action"
	kvActionRecover  = "Microsoft.KeyVault/vaults/secrets/recover/action"
	kvActionPurge    = "Microsoft.KeyVault/vaults/secrets/purge/action"

	roleKVSecretsOfficer = "Key Vault Secrets Officer"
)

var kvAllSecretActions = []string{kvActionGet, kvActionSet, kvActionUpdate, kvActionDelete, kvActionMetadata, kvActionRecover, kvActionPurge}

var kvRoleActions = map[string][]string{
	"Key Vault Administrator": kvAllSecretActions,
	roleKVSecretsOfficer:      kvAllSecretActions,
	"Key Vault Secrets User":  {kvActionGet, kvActionMetadata},
	"Key Vault Reader":        {kvActionMetadata},
}

// canonicalRole returns the built-in role name matching r case-insensitively, or "".
func canonicalRole(r string) string {
	for name := range kvRoleActions {
		if strings.EqualFold(name, strings.TrimSpace(r)) {
			return name
		}
	}
	return ""
}

const (
	kvRecoveryLevel        = "Recoverable+Purgeable"
	kvRecoverableDays      = 90
	kvMaxSecretBytes       = 25 * 1024
	kvMaxTags              = 15
	kvMaxTagChars          = 512
	kvMaxContentTypeChars  = 255
	kvDefaultMaxResults    = 25
	kvNotFoundHelp         = " If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
	kvServiceVersionHeader = "1.9.0.0"
)

var (
	kvSecretName = regexp.MustCompile(`^[0-9a-zA-Z-]{1,127}$`)
	// A vault name is 3-24 characters: letters, digits and hyphens, starting with a letter, ending with a
	// letter or digit, without consecutive hyphens.
	kvVaultName = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$`)
)

type kvVault struct {
	name    string // lowercase; vault names are DNS labels
	cloud   kvCloud
	created time.Time
	roles   map[string][]string // lowercase client id -> built-in role names
	secrets map[string]*kvSecret
	deleted map[string]*kvDeletedSecret
}

type kvSecret struct {
	name     string // as first set
	versions []*kvVersion
}

type kvVersion struct {
	id          string // 32 lowercase hex digits
	value       string
	contentType *string
	tags        map[string]string
	enabled     bool
	nbf, exp    *int64
	created     int64
	updated     int64
}

type kvDeletedSecret struct {
	secret             *kvSecret
	deletedDate        int64
	scheduledPurgeDate int64
}

func (s *kvSecret) latest() *kvVersion { return s.versions[len(s.versions)-1] }

func (s *kvSecret) version(id string) *kvVersion {
	if id == "" {
		return s.latest()
	}
	for _, v := range s.versions {
		if strings.EqualFold(v.id, id) {
			return v
		}
	}
	return nil
}

// vaultRegistry maps vault names to their tenant across the emulator, as DNS makes vault names global.
// Lock order: registry, then tenant. Entries of reset or deleted tenants go stale and count as absent.
type vaultRegistry struct {
	mu     sync.Mutex
	byName map[string]*tenant
}

// vaultRequest is the control API's (and the seed file's) description of a vault.
type vaultRequest struct {
	Name            string `json:"name"`
	Cloud           string `json:"cloud"`
	GrantDefaultApp *bool  `json:"grantDefaultApp"`
}

// liveVault returns the vault if its tenant still exists and still holds it. Caller holds e.vaults.mu or
// accepts a racy answer.
func (e *Emulator) liveVault(t *tenant, name string) *kvVault {
	if t == nil || e.tenant(t.id) != t {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.s.delivery.vaults[name]
}

// lookupVault finds a vault and its tenant by name (case-insensitive).
func (e *Emulator) lookupVault(name string) (*tenant, *kvVault) {
	name = strings.ToLower(name)
	e.vaults.mu.Lock()
	t := e.vaults.byName[name]
	e.vaults.mu.Unlock()
	if v := e.liveVault(t, name); v != nil {
		return t, v
	}
	return nil, nil
}

// createVault registers a vault in t. The default app gets Key Vault Secrets Officer unless grantDefaultApp is false.
func (e *Emulator) createVault(t *tenant, req vaultRequest) (*kvVault, error) {
	if !kvVaultName.MatchString(req.Name) || strings.Contains(req.Name, "--") {
		return nil, fmt.Errorf("the vault name '%s' is invalid: a vault's name must be between 3-24 alphanumeric characters, begin with a letter, end with a letter or digit, and not contain consecutive hyphens", req.Name)
	}
	cloudName := strings.ToLower(req.Cloud)
	if cloudName == "" {
		cloudName = "public"
	}
	cloud, ok := kvClouds[cloudName]
	if !ok {
		return nil, fmt.Errorf("cloud must be public, usgovernment or china")
	}
	name := strings.ToLower(req.Name)
	v := &kvVault{name: name, cloud: cloud, roles: map[string][]string{}, secrets: map[string]*kvSecret{}, deleted: map[string]*kvDeletedSecret{}}
	if req.GrantDefaultApp == nil || *req.GrantDefaultApp {
		v.roles[strings.ToLower(e.defaultClientID)] = []string{roleKVSecretsOfficer}
	}

	e.vaults.mu.Lock()
	defer e.vaults.mu.Unlock()
	if owner := e.vaults.byName[name]; e.liveVault(owner, name) != nil {
		return nil, errVaultExists
	}
	if e.vaults.byName == nil {
		e.vaults.byName = map[string]*tenant{}
	}
	t.mu.Lock()
	v.created = t.s.now()
	t.s.delivery.vaults[name] = v
	t.mu.Unlock()
	e.vaults.byName[name] = t
	return v, nil
}

var errVaultExists = fmt.Errorf("a vault with that name already exists (vault names are global, like their DNS names)")

// deleteVault removes a vault of t; false when t has no such vault.
func (e *Emulator) deleteVault(t *tenant, name string) bool {
	name = strings.ToLower(name)
	e.vaults.mu.Lock()
	defer e.vaults.mu.Unlock()
	t.mu.Lock()
	_, ok := t.s.delivery.vaults[name]
	delete(t.s.delivery.vaults, name)
	t.mu.Unlock()
	if ok && e.vaults.byName[name] == t {
		delete(e.vaults.byName, name)
	}
	return ok
}

// ----- wire format -----

type kvReply struct {
	status int
	header http.Header
	body   any
}

func kvJSON(status int, body any) kvReply { return kvReply{status: status, body: body} }

// kvError is Key Vault's error shape: {"error": {"code", "message", "innererror"?: {"code"}}}.
func kvError(status int, code, message, inner string) kvReply {
	e := map[string]any{"code": code, "message": message}
	if inner != "" {
		e["innererror"] = map[string]any{"code": inner}
	}
	return kvJSON(status, map[string]any{"error": e})
}

func kvBadParameter(message string) kvReply {
	return kvError(http.StatusBadRequest, "BadParameter", message, "")
}

func (r *kvReply) setHeader(k, v string) {
	if r.header == nil {
		r.header = http.Header{}
	}
	r.header.Set(k, v)
}

func writeKV(w http.ResponseWriter, rep kvReply, x *exchange) {
	h := w.Header()
	for k, v := range rep.header {
		h[k] = v
	}
	h.Set("Cache-Control", "no-cache")
	h.Set("x-ms-request-id", x.requestID)
	h.Set("x-ms-keyvault-service-version", kvServiceVersionHeader)
	h.Set("x-ms-keyvault-region", "emulator")
	if x.clientRequestID != "" {
		h.Set("x-ms-client-request-id", x.clientRequestID)
	}
	if rep.body == nil {
		w.WriteHeader(rep.status)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(rep.status)
	_, _ = w.Write(marshalJSON(rep.body)) // the client may be gone; nothing to do about it
}

// ----- the pipeline -----

// kvPrincipal is the caller of a vault request, from a verified access token.
type kvPrincipal struct {
	appID, oid, iss string
}

// serveKeyVault handles /_keyvault/{vault}/...: find the vault, challenge or verify the token, apply the
// tenant's latency and faults, authorize by RBAC, run the operation, log.
func (e *Emulator) serveKeyVault(w http.ResponseWriter, r *http.Request) {
	x := &exchange{kind: "keyvault", method: r.Method, path: r.URL.Path, requestID: newGUID(),
		clientRequestID: r.Header.Get("x-ms-client-request-id"), start: time.Now()}
	segs, err := splitSegments(strings.TrimPrefix(r.URL.EscapedPath(), keyVaultPrefix))
	if err != nil || len(segs) == 0 {
		x.route = r.Method + " " + keyVaultPrefix + "/(invalid)"
		rep := kvError(http.StatusNotFound, "VaultNotFound", "The request names no vault: use /_keyvault/{vaultName}/...", "")
		writeKV(w, rep, x)
		e.record(nil, x, rep.status, "", false)
		return
	}
	rest := segs[1:]
	x.route = kvRouteTemplate(r.Method, rest)
	t, v := e.lookupVault(segs[0])
	if v == nil {
		// A real client would fail to resolve {name}.vault.azure.net; the emulator answers 404 instead.
		rep := kvError(http.StatusNotFound, "VaultNotFound", fmt.Sprintf("The emulator has no vault named '%s'.", segs[0]), "")
		writeKV(w, rep, x)
		e.record(nil, x, rep.status, "", false)
		return
	}
	p, msg := e.kvAuthenticate(r, t, v)
	if p == nil {
		rep := kvError(http.StatusUnauthorized, "Unauthorized", msg, "")
		rep.setHeader("WWW-Authenticate", fmt.Sprintf(`Bearer authorization="%s/%s", resource="%s"`, e.url, t.id, v.cloud.Resource))
		writeKV(w, rep, x)
		e.record(t, x, rep.status, "", false)
		return
	}
	body, err := readBody(r)
	if err != nil {
		rep := kvBadParameter("The request body could not be read.")
		writeKV(w, rep, x)
		e.record(t, x, rep.status, "", false)
		return
	}
	x.write = r.Method != http.MethodGet && r.Method != http.MethodHead
	e.wait(r.Context(), e.opts.Latency+t.settingsSnapshot().latency())

	t.mu.Lock()
	dec := t.s.decideFault(r.Method, x.path)
	t.mu.Unlock()
	e.wait(r.Context(), dec.latency)
	switch {
	case dec.drop == "before":
		e.record(t, x, 0, dec.id, true)
		panic(http.ErrAbortHandler)
	case dec.status != 0 && dec.drop != "after":
		rep := kvFault(dec)
		writeKV(w, rep, x)
		e.record(t, x, rep.status, dec.id, false)
		return
	}

	t.mu.Lock()
	var rep kvReply
	if t.s.delivery.vaults[v.name] != v {
		rep = kvError(http.StatusNotFound, "VaultNotFound", fmt.Sprintf("The emulator has no vault named '%s'.", v.name), "")
	} else {
		op := &kvOp{e: e, t: t, s: t.s, v: v, p: p, method: r.Method, rest: rest, query: r.URL.Query(), body: body,
			now: t.s.now().Unix()}
		rep = op.run()
	}
	t.mu.Unlock()
	if dec.drop == "after" {
		e.record(t, x, rep.status, dec.id, true)
		panic(http.ErrAbortHandler)
	}
	writeKV(w, rep, x)
	e.record(t, x, rep.status, dec.id, false)
}

// kvRouteTemplate names the operation for the request log, never the client's names.
func kvRouteTemplate(method string, rest []string) string {
	p := keyVaultPrefix + "/{vault}"
	switch {
	case len(rest) == 0:
	case len(rest) >= 1 && (strings.EqualFold(rest[0], "secrets") || strings.EqualFold(rest[0], "deletedsecrets")):
		p += "/" + strings.ToLower(rest[0])
		if len(rest) >= 2 {
			p += "/{name}"
		}
		if len(rest) == 3 {
			switch {
			case strings.EqualFold(rest[2], "versions"), strings.EqualFold(rest[2], "recover"):
				p += "/" + strings.ToLower(rest[2])
			default:
				p += "/{version}"
			}
		}
		if len(rest) > 3 {
			p += "/(unknown)"
		}
	default:
		p += "/(unknown)"
	}
	return method + " " + p
}

// kvAuthenticate verifies the bearer token: signature, the emulator's issuer for the vault's tenant,
// real-time expiry, and the cloud's Key Vault audience. On failure it returns the 401 message.
func (e *Emulator) kvAuthenticate(r *http.Request, t *tenant, v *kvVault) (*kvPrincipal, string) {
	h := r.Header.Get("Authorization")
	scheme, raw, _ := strings.Cut(strings.TrimSpace(h), " ")
	raw = strings.TrimSpace(raw)
	if h == "" || !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return nil, "Request is missing a Bearer or PoP token."
	}
	tok, err := parseJWT(raw)
	if err != nil {
		return nil, "The bearer token is not a well-formed JWT."
	}
	if !e.tokenKey.verify(tok) {
		return nil, "The bearer token's signature is not valid."
	}
	wantIss := e.url + "/" + t.id + "/v2.0"
	if !strings.EqualFold(tok.str("tid"), t.id) || tok.str("iss") != wantIss {
		return nil, fmt.Sprintf("AKV10032: Invalid issuer. Expected one of %s, found %s.", wantIss, tok.str("iss"))
	}
	now := time.Now().Unix()
	if exp, ok := tok.num("exp"); !ok || now >= exp {
		return nil, "The bearer token is expired."
	}
	if nbf, ok := tok.num("nbf"); ok && now+300 < nbf {
		return nil, "The bearer token is not yet valid."
	}
	auds := tok.audiences()
	audOK := false
	for _, a := range auds {
		if strings.EqualFold(a, v.cloud.Resource) {
			audOK = true
		}
	}
	if !audOK {
		return nil, fmt.Sprintf("AKV10022: Invalid audience. Expected %s, found: %s.", v.cloud.Resource, strings.Join(auds, ", "))
	}
	return &kvPrincipal{appID: tok.str("appid"), oid: tok.str("oid"), iss: tok.str("iss")}, ""
}

// kvFault is an injected failure in Key Vault's error shape.
func kvFault(d faultDecision) kvReply {
	code, msg := d.code, d.message
	if code == "" {
		switch d.status {
		case 400:
			code = "BadParameter"
		case 401:
			code = "Unauthorized"
		case 403:
			code = "Forbidden"
		case 404:
			code = "NotFound"
		case 409:
			code = "Conflict"
		case 429:
			code = "Throttled"
		case 503:
			code = "ServiceUnavailable"
		default:
			code = "InternalServerError"
		}
	}
	if msg == "" {
		msg = http.StatusText(d.status)
		if d.status == http.StatusTooManyRequests {
			msg = "Request was not processed because too many requests were received."
		}
		if msg == "" {
			msg = "Injected fault."
		}
	}
	rep := kvError(d.status, code, msg, "")
	if d.retryAfter != nil && *d.retryAfter != "" {
		rep.setHeader("Retry-After", *d.retryAfter)
	}
	return rep
}

// ----- operations -----

// kvOp is one authenticated vault request. run holds the tenant lock.
type kvOp struct {
	e      *Emulator
	t      *tenant
	s      *tenantState
	v      *kvVault
	p      *kvPrincipal
	method string
	rest   []string
	query  url.Values
	body   []byte
	now    int64 // tenant clock, Unix seconds
}

func (o *kvOp) run() kvReply {
	if o.query.Get("api-version") == "" {
		return kvBadParameter("The api-version query parameter is required.")
	}
	r := o.rest
	is := func(i int, lit string) bool { return len(r) > i && strings.EqualFold(r[i], lit) }
	switch {
	case len(r) == 1 && is(0, "secrets"):
		if o.method == http.MethodGet {
			return o.guard(kvActionMetadata, "", o.listSecrets)
		}
	case len(r) == 2 && is(0, "secrets"):
		name := r[1]
		switch o.method {
		case http.MethodPut:
			return o.guard(kvActionSet, name, func() kvReply { return o.setSecret(name) })
		case http.MethodDelete:
			return o.guard(kvActionDelete, name, func() kvReply { return o.deleteSecret(name) })
		case http.MethodGet:
			return o.guard(kvActionGet, name, func() kvReply { return o.getSecret(name, "") })
		case http.MethodPatch:
			return o.guard(kvActionUpdate, name, func() kvReply { return o.updateSecret(name, "") })
		}
	case len(r) == 3 && is(0, "secrets") && is(2, "versions"):
		if o.method == http.MethodGet {
			return o.guard(kvActionMetadata, r[1], func() kvReply { return o.listVersions(r[1]) })
		}
	case len(r) == 3 && is(0, "secrets"):
		name, version := r[1], r[2]
		switch o.method {
		case http.MethodGet:
			return o.guard(kvActionGet, name, func() kvReply { return o.getSecret(name, version) })
		case http.MethodPatch:
			return o.guard(kvActionUpdate, name, func() kvReply { return o.updateSecret(name, version) })
		}
	case len(r) == 1 && is(0, "deletedsecrets"):
		if o.method == http.MethodGet {
			return o.guard(kvActionMetadata, "", o.listDeleted)
		}
	case len(r) == 2 && is(0, "deletedsecrets"):
		name := r[1]
		switch o.method {
		case http.MethodGet:
			return o.guard(kvActionMetadata, name, func() kvReply { return o.getDeleted(name) })
		case http.MethodDelete:
			return o.guard(kvActionPurge, name, func() kvReply { return o.purge(name) })
		}
	case len(r) == 3 && is(0, "deletedsecrets") && is(2, "recover"):
		if o.method == http.MethodPost {
			return o.guard(kvActionRecover, r[1], func() kvReply { return o.recover(r[1]) })
		}
	default:
		return kvError(http.StatusNotFound, "NotFound", "The requested URI does not name a Key Vault secrets operation.", "")
	}
	return kvError(http.StatusMethodNotAllowed, "MethodNotAllowed", fmt.Sprintf("The method %s is not allowed for this URI.", o.method), "")
}

// guard validates the secret name (when there is one) and checks the caller's RBAC data action.
func (o *kvOp) guard(action, name string, next func() kvReply) kvReply {
	if name != "" && !kvSecretName.MatchString(name) {
		return kvBadParameter("The request URI contains an invalid name: " + name)
	}
	if !o.allowed(action) {
		resource := "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/emulator/providers/microsoft.keyvault/vaults/" + o.v.name
		if name != "" {
			resource += "/secrets/" + strings.ToLower(name)
		}
		msg := "Caller is not authorized to perform action on resource.\r\n" +
			"If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n" +
			fmt.Sprintf("Caller: appid=%s;oid=%s;iss=%s\r\n", o.p.appID, o.p.oid, o.p.iss) +
			fmt.Sprintf("Action: '%s'\r\n", action) +
			fmt.Sprintf("Resource: '%s'\r\n", resource) +
			"Assignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\n" +
			fmt.Sprintf("Vault: %s;location=emulator\r\n", o.v.name)
		return kvError(http.StatusForbidden, "Forbidden", msg, "ForbiddenByRbac")
	}
	return next()
}

func (o *kvOp) allowed(action string) bool {
	switch o.s.settings.KeyVaultAccessModel {
	case "open":
		return true
	case "deny":
		return false
	}
	for _, role := range o.v.roles[strings.ToLower(o.p.appID)] {
		for _, a := range kvRoleActions[role] {
			if a == action {
				return true
			}
		}
	}
	return false
}

// base is the vault URI used inside ids: the real vault's DNS name by default (azsecrets parses ids as
// https://host/secrets/{name}/{version}), or the emulator's path-based URI (keyVaultIdStyle).
func (o *kvOp) base() string { return o.e.kvIDBase(o.s, o.v) }

func (e *Emulator) kvIDBase(s *tenantState, v *kvVault) string {
	if s.settings.KeyVaultIDStyle == "emulator" {
		return e.KeyVaultURL(v.name)
	}
	return "https://" + v.name + "." + v.cloud.DNSSuffix
}

func kvAttributes(ver *kvVersion) map[string]any {
	a := map[string]any{"enabled": ver.enabled, "created": ver.created, "updated": ver.updated,
		"recoveryLevel": kvRecoveryLevel, "recoverableDays": kvRecoverableDays}
	if ver.nbf != nil {
		a["nbf"] = *ver.nbf
	}
	if ver.exp != nil {
		a["exp"] = *ver.exp
	}
	return a
}

// bundle is a SecretBundle (or, without the value, what update and recover answer).
func (o *kvOp) bundle(sec *kvSecret, ver *kvVersion, withValue bool) map[string]any {
	out := map[string]any{"id": o.base() + "/secrets/" + sec.name + "/" + ver.id, "attributes": kvAttributes(ver)}
	if withValue {
		out["value"] = ver.value
	}
	if ver.contentType != nil {
		out["contentType"] = *ver.contentType
	}
	if len(ver.tags) > 0 {
		out["tags"] = ver.tags
	}
	return out
}

func secretNotFound(name string) kvReply {
	return kvError(http.StatusNotFound, "SecretNotFound", fmt.Sprintf("A secret with (name/id) %s was not found in this key vault.", name)+kvNotFoundHelp, "")
}

func deletedSecretNotFound(name string) kvReply {
	return kvError(http.StatusNotFound, "SecretNotFound", "Deleted Secret not found: "+name, "")
}

// secretAttributesBody is the attributes object of Set and Update Secret.
type secretAttributesBody struct {
	Enabled *bool  `json:"enabled"`
	NBF     *int64 `json:"nbf"`
	Exp     *int64 `json:"exp"`
}

type secretBody struct {
	Value       *string               `json:"value"`
	ContentType *string               `json:"contentType"`
	Tags        map[string]string     `json:"tags"`
	Attributes  *secretAttributesBody `json:"attributes"`
}

func parseSecretBody(body []byte) (secretBody, *kvReply) {
	var b secretBody
	if err := json.Unmarshal(body, &b); err != nil {
		rep := kvBadParameter("The request body is not a valid JSON object of secret parameters.")
		return b, &rep
	}
	if b.ContentType != nil && len(*b.ContentType) > kvMaxContentTypeChars {
		rep := kvBadParameter(fmt.Sprintf("Property contentType exceeds the maximum length of %d characters.", kvMaxContentTypeChars))
		return b, &rep
	}
	if len(b.Tags) > kvMaxTags {
		rep := kvBadParameter(fmt.Sprintf("The number of tags exceeds the maximum of %d.", kvMaxTags))
		return b, &rep
	}
	for k, v := range b.Tags {
		if len(k) > kvMaxTagChars || len(v) > kvMaxTagChars {
			rep := kvBadParameter(fmt.Sprintf("Tag names and values are limited to %d characters.", kvMaxTagChars))
			return b, &rep
		}
	}
	return b, nil
}

// putVersion adds a version to the named secret (Set Secret); the control API seeds through it too.
func (o *kvOp) putVersion(name string, b secretBody) (*kvSecret, *kvVersion, *kvReply) {
	key := strings.ToLower(name)
	if _, gone := o.v.deleted[key]; gone {
		rep := kvError(http.StatusConflict, "Conflict", fmt.Sprintf("Secret %s is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.", name), "ObjectIsDeletedButRecoverable")
		return nil, nil, &rep
	}
	if b.Value == nil {
		rep := kvBadParameter("Property value is required.")
		return nil, nil, &rep
	}
	if len(*b.Value) > kvMaxSecretBytes {
		rep := kvBadParameter(fmt.Sprintf("The secret value exceeds the maximum size of %d bytes.", kvMaxSecretBytes))
		return nil, nil, &rep
	}
	var raw [16]byte
	_, _ = rand.Read(raw[:]) // crypto/rand never fails on supported platforms
	ver := &kvVersion{id: hex.EncodeToString(raw[:]), value: *b.Value, contentType: b.ContentType, tags: b.Tags,
		enabled: true, created: o.now, updated: o.now}
	if a := b.Attributes; a != nil {
		if a.Enabled != nil {
			ver.enabled = *a.Enabled
		}
		ver.nbf, ver.exp = a.NBF, a.Exp
	}
	sec := o.v.secrets[key]
	if sec == nil {
		sec = &kvSecret{name: name}
		o.v.secrets[key] = sec
	}
	// The value is not added to issued-secrets: what the provider stores is a pass, registered when it was
	// issued, and test-chosen values would make leak scanners match ordinary log text.
	sec.versions = append(sec.versions, ver)
	return sec, ver, nil
}

func (o *kvOp) setSecret(name string) kvReply {
	b, rep := parseSecretBody(o.body)
	if rep != nil {
		return *rep
	}
	sec, ver, rep := o.putVersion(name, b)
	if rep != nil {
		return *rep
	}
	return kvJSON(http.StatusOK, o.bundle(sec, ver, true))
}

func (o *kvOp) getSecret(name, version string) kvReply {
	sec := o.v.secrets[strings.ToLower(name)]
	if sec == nil {
		return secretNotFound(name)
	}
	ver := sec.version(version)
	if ver == nil {
		return secretNotFound(name + "/" + version)
	}
	if !ver.enabled {
		return kvError(http.StatusForbidden, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled")
	}
	if ver.exp != nil && o.now >= *ver.exp && o.s.settings.KeyVaultExpiredSecretGet == "forbid" {
		return kvError(http.StatusForbidden, "Forbidden", "Operation get is not allowed on a expired secret.", "SecretExpired")
	}
	return kvJSON(http.StatusOK, o.bundle(sec, ver, true))
}

func (o *kvOp) updateSecret(name, version string) kvReply {
	sec := o.v.secrets[strings.ToLower(name)]
	if sec == nil {
		return secretNotFound(name)
	}
	ver := sec.version(version)
	if ver == nil {
		return secretNotFound(name + "/" + version)
	}
	b, rep := parseSecretBody(o.body)
	if rep != nil {
		return *rep
	}
	if b.ContentType != nil {
		ver.contentType = b.ContentType
	}
	if b.Tags != nil {
		ver.tags = b.Tags
	}
	if a := b.Attributes; a != nil {
		if a.Enabled != nil {
			ver.enabled = *a.Enabled
		}
		if a.NBF != nil {
			ver.nbf = a.NBF
		}
		if a.Exp != nil {
			ver.exp = a.Exp
		}
	}
	ver.updated = o.now
	return kvJSON(http.StatusOK, o.bundle(sec, ver, false))
}

// page answers a Key Vault list with maxresults (1-25) and an opaque $skiptoken in nextLink.
func (o *kvOp) page(items []map[string]any, path string) kvReply {
	limit := kvDefaultMaxResults
	if raw := o.query.Get("maxresults"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 25 {
			return kvBadParameter("Invalid value for maxresults: it must be an integer between 1 and 25.")
		}
		limit = n
	}
	skip := 0
	if raw := o.query.Get("$skiptoken"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 {
			return kvBadParameter("Invalid $skiptoken.")
		}
		skip = min(n, len(items))
	}
	end := min(skip+limit, len(items))
	body := map[string]any{"value": append([]map[string]any{}, items[skip:end]...), "nextLink": nil}
	if end < len(items) {
		q := url.Values{"api-version": {o.query.Get("api-version")}, "$skiptoken": {strconv.Itoa(end)}, "maxresults": {strconv.Itoa(limit)}}
		body["nextLink"] = o.e.KeyVaultURL(o.v.name) + path + "?" + q.Encode()
	}
	return kvJSON(http.StatusOK, body)
}

// secretItem is a SecretItem of the list operations: attributes, contentType and tags, never the value.
func (o *kvOp) secretItem(id string, ver *kvVersion) map[string]any {
	item := map[string]any{"id": id, "attributes": kvAttributes(ver)}
	if ver.contentType != nil {
		item["contentType"] = *ver.contentType
	}
	if len(ver.tags) > 0 {
		item["tags"] = ver.tags
	}
	return item
}

func (o *kvOp) listVersions(name string) kvReply {
	sec := o.v.secrets[strings.ToLower(name)]
	if sec == nil {
		if o.s.settings.KeyVaultUnknownSecretVersions == "notFound" {
			return secretNotFound(name)
		}
		return o.page([]map[string]any{}, "/secrets/"+name+"/versions")
	}
	items := make([]map[string]any, 0, len(sec.versions))
	for _, ver := range sec.versions {
		items = append(items, o.secretItem(o.base()+"/secrets/"+sec.name+"/"+ver.id, ver))
	}
	return o.page(items, "/secrets/"+sec.name+"/versions")
}

func sortedSecretKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (o *kvOp) listSecrets() kvReply {
	items := []map[string]any{}
	for _, k := range sortedSecretKeys(o.v.secrets) {
		sec := o.v.secrets[k]
		items = append(items, o.secretItem(o.base()+"/secrets/"+sec.name, sec.latest()))
	}
	return o.page(items, "/secrets")
}

func (o *kvOp) deletedBundle(d *kvDeletedSecret, id string) map[string]any {
	out := o.secretItem(id, d.secret.latest())
	out["recoveryId"] = o.base() + "/deletedsecrets/" + d.secret.name
	out["deletedDate"] = d.deletedDate
	out["scheduledPurgeDate"] = d.scheduledPurgeDate
	return out
}

func (o *kvOp) deleteSecret(name string) kvReply {
	key := strings.ToLower(name)
	sec := o.v.secrets[key]
	if sec == nil {
		return secretNotFound(name)
	}
	delete(o.v.secrets, key)
	d := &kvDeletedSecret{secret: sec, deletedDate: o.now, scheduledPurgeDate: o.now + kvRecoverableDays*24*3600}
	o.v.deleted[key] = d
	return kvJSON(http.StatusOK, o.deletedBundle(d, o.base()+"/secrets/"+sec.name+"/"+sec.latest().id))
}

func (o *kvOp) getDeleted(name string) kvReply {
	d := o.v.deleted[strings.ToLower(name)]
	if d == nil {
		return deletedSecretNotFound(name)
	}
	return kvJSON(http.StatusOK, o.deletedBundle(d, o.base()+"/secrets/"+d.secret.name+"/"+d.secret.latest().id))
}

func (o *kvOp) listDeleted() kvReply {
	items := []map[string]any{}
	for _, k := range sortedSecretKeys(o.v.deleted) {
		d := o.v.deleted[k]
		items = append(items, o.deletedBundle(d, o.base()+"/secrets/"+d.secret.name))
	}
	return o.page(items, "/deletedsecrets")
}

func (o *kvOp) purge(name string) kvReply {
	key := strings.ToLower(name)
	if o.v.deleted[key] == nil {
		return deletedSecretNotFound(name)
	}
	delete(o.v.deleted, key)
	return kvReply{status: http.StatusNoContent}
}

func (o *kvOp) recover(name string) kvReply {
	key := strings.ToLower(name)
	d := o.v.deleted[key]
	if d == nil {
		return deletedSecretNotFound(name)
	}
	delete(o.v.deleted, key)
	o.v.secrets[key] = d.secret
	return kvJSON(http.StatusOK, o.bundle(d.secret, d.secret.latest(), false))
}

// ----- control API views -----

type vaultRoleView struct {
	ClientID string   `json:"clientId"`
	Roles    []string `json:"roles"`
}

type vaultView struct {
	Name            string          `json:"name"`
	TenantID        string          `json:"tenantId"`
	VaultURI        string          `json:"vaultUri"`
	CanonicalURI    string          `json:"canonicalUri"`
	Cloud           string          `json:"cloud"`
	Resource        string          `json:"resource"`
	Scope           string          `json:"scope"`
	CreatedDateTime string          `json:"createdDateTime"`
	RoleAssignments []vaultRoleView `json:"roleAssignments"`
	Secrets         []string        `json:"secrets"`
	DeletedSecrets  []string        `json:"deletedSecrets"`
}

// view describes a vault for the control API. Caller holds t.mu.
func (e *Emulator) vaultView(t *tenant, v *kvVault) vaultView {
	out := vaultView{Name: v.name, TenantID: t.id, VaultURI: e.KeyVaultURL(v.name),
		CanonicalURI: "https://" + v.name + "." + v.cloud.DNSSuffix, Cloud: v.cloud.Name, Resource: v.cloud.Resource,
		Scope: v.cloud.Resource + "/.default", CreatedDateTime: graphTime(v.created),
		RoleAssignments: []vaultRoleView{}, Secrets: []string{}, DeletedSecrets: []string{}}
	for _, k := range sortedSecretKeys(v.roles) {
		out.RoleAssignments = append(out.RoleAssignments, vaultRoleView{ClientID: k, Roles: append([]string{}, v.roles[k]...)})
	}
	for _, k := range sortedSecretKeys(v.secrets) {
		out.Secrets = append(out.Secrets, v.secrets[k].name)
	}
	for _, k := range sortedSecretKeys(v.deleted) {
		out.DeletedSecrets = append(out.DeletedSecrets, v.deleted[k].secret.name)
	}
	return out
}

type secretVersionView struct {
	Version     string            `json:"version"`
	ID          string            `json:"id"`
	Value       string            `json:"value"`
	ContentType *string           `json:"contentType"`
	Tags        map[string]string `json:"tags"`
	Attributes  map[string]any    `json:"attributes"`
}

type secretView struct {
	Name               string              `json:"name"`
	Deleted            bool                `json:"deleted"`
	DeletedDate        *int64              `json:"deletedDate,omitempty"`
	ScheduledPurgeDate *int64              `json:"scheduledPurgeDate,omitempty"`
	Current            secretVersionView   `json:"current"`
	Versions           []secretVersionView `json:"versions"`
}

// secretView describes a secret with every version's value, for tests. Caller holds t.mu.
func (e *Emulator) secretView(s *tenantState, v *kvVault, name string) (secretView, bool) {
	key := strings.ToLower(name)
	out := secretView{Versions: []secretVersionView{}}
	sec := v.secrets[key]
	if sec == nil {
		d := v.deleted[key]
		if d == nil {
			return out, false
		}
		sec, out.Deleted = d.secret, true
		out.DeletedDate, out.ScheduledPurgeDate = &d.deletedDate, &d.scheduledPurgeDate
	}
	out.Name = sec.name
	base := e.kvIDBase(s, v)
	for _, ver := range sec.versions {
		tags := ver.tags
		if tags == nil {
			tags = map[string]string{}
		}
		out.Versions = append(out.Versions, secretVersionView{Version: ver.id, ID: base + "/secrets/" + sec.name + "/" + ver.id,
			Value: ver.value, ContentType: ver.contentType, Tags: tags, Attributes: kvAttributes(ver)})
	}
	out.Current = out.Versions[len(out.Versions)-1]
	return out, true
}
