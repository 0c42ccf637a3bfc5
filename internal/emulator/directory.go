package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// user is a directory user. Its password method is implicit; its pass and other methods hang off it.
type user struct {
	id             string
	upn            string
	displayName    string
	mailNickname   string
	mail           string
	givenName      string
	surname        string
	userType       string // Member | Guest
	creationType   string // "Invitation" marks an external (B2B) guest; "" is null
	accountEnabled bool
	created        time.Time // tenant clock
	seq            int64
	extra          map[string]any // documented writable properties stored as given (userprops.go)
	signInActivity map[string]any // set by the sign-in simulation; nil until the first attempt

	tap             *tapMethod
	methods         []*authMethod
	defaultMethodID string
}

type group struct {
	id              string
	displayName     string
	description     string
	mailNickname    string
	mailEnabled     bool
	securityEnabled bool
	groupTypes      []string
	created         time.Time
	seq             int64
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (g *group) properties() map[string]any {
	types := g.groupTypes
	if types == nil {
		types = []string{}
	}
	return map[string]any{
		"id": g.id, "displayName": g.displayName, "description": nullable(g.description), "mailNickname": g.mailNickname,
		"mailEnabled": g.mailEnabled, "securityEnabled": g.securityEnabled, "groupTypes": types, "mail": nil,
		"visibility": nil, "createdDateTime": graphTime(g.created),
	}
}

var (
	userPropertyNames  = (&user{}).properties()
	groupPropertyNames = (&group{}).properties()
)

// selectError is Graph's answer to $select of a property the type does not have.
func selectError(prop, typeName string) reply {
	return badRequest(svcGraph, fmt.Sprintf("Parsing OData Select and Expand failed: Could not find a property named '%s' on type 'microsoft.graph.%s'.", prop, typeName))
}

func groupDefaultSelect() []string {
	out := make([]string, 0, len(groupPropertyNames))
	for k := range groupPropertyNames {
		out = append(out, k)
	}
	return out
}

// ----- lookups -----

func (s *tenantState) findUser(key string) *user {
	key = strings.ToLower(key)
	if u := s.users[key]; u != nil {
		return u
	}
	return s.usersByUPN[key]
}

// lagging reports whether an object created at created is still invisible to addressed reads
// (settings.replicationLagSeconds, spec §6.3).
func (c *call) lagging(created time.Time) bool {
	lag := c.s.settings.replicationLag()
	return lag > 0 && c.now.Before(created.Add(lag))
}

// notFoundCode is the 404 code for an unknown directory object in this route's dialect.
func (c *call) notFoundCode() string {
	if c.rt.svc == svcAuthMethods {
		return c.s.settings.UnknownUserOnMethodsErrorCode
	}
	return "Request_ResourceNotFound"
}

// addressUser resolves {id | userPrincipalName} for a request, honouring replication lag.
func (c *call) addressUser(key string) (*user, *reply) {
	u := c.s.findUser(key)
	if u == nil || c.lagging(u.created) {
		rep := resourceNotFound(c.rt.svc, c.notFoundCode(), key)
		return nil, &rep
	}
	return u, nil
}

func (c *call) addressGroup(key string) (*group, *reply) {
	g := c.s.groups[strings.ToLower(key)]
	if g == nil || c.lagging(g.created) {
		rep := resourceNotFound(c.rt.svc, c.notFoundCode(), key)
		return nil, &rep
	}
	return g, nil
}

// addressObject resolves a user or group id; exactly one of the results is non-nil on success.
func (c *call) addressObject(key string) (*user, *group, *reply) {
	if u := c.s.findUser(key); u != nil && !c.lagging(u.created) {
		return u, nil, nil
	}
	if g := c.s.groups[strings.ToLower(key)]; g != nil && !c.lagging(g.created) {
		return nil, g, nil
	}
	rep := resourceNotFound(c.rt.svc, c.notFoundCode(), key)
	return nil, nil, &rep
}

// addressSubject resolves the object of a users/{id}/… or groups/{id}/… route and returns its id.
func (c *call) addressSubject() (string, *reply) {
	if c.rt.segs[0] == "groups" {
		g, rep := c.addressGroup(c.params[0])
		if rep != nil {
			return "", rep
		}
		return g.id, nil
	}
	u, rep := c.addressUser(c.params[0])
	if rep != nil {
		return "", rep
	}
	return u.id, nil
}

// ----- $select, $filter, paging -----

func (c *call) queryOption(name string) string {
	for k, v := range c.query {
		if strings.EqualFold(k, "$"+name) || strings.EqualFold(k, name) {
			return v[0]
		}
	}
	return ""
}

// selection parses $select against the type's properties; nil means the type's default set.
func (c *call) selection(known map[string]any, typeName string) ([]string, *reply) {
	raw := c.queryOption("select")
	if raw == "" {
		return nil, nil
	}
	var out []string
	for _, f := range strings.Split(raw, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		name := ""
		for k := range known {
			if strings.EqualFold(k, f) {
				name = k
			}
		}
		if name == "" {
			rep := selectError(f, typeName)
			return nil, &rep
		}
		out = append(out, name)
	}
	return out, nil
}

func project(props map[string]any, fields []string) map[string]any {
	out := make(map[string]any, len(fields)+1)
	for _, f := range fields {
		if v, ok := props[f]; ok {
			out[f] = v
		}
	}
	return out
}

var (
	filterEq         = regexp.MustCompile(`^\s*(\w+)\s+eq\s+(?:'((?:[^']|'')*)'|(true|false))\s*$`)
	filterStartsWith = regexp.MustCompile(`^\s*startswith\(\s*(\w+)\s*,\s*'((?:[^']|'')*)'\s*\)\s*$`)
	filterIn         = regexp.MustCompile(`^\s*(\w+)\s+in\s+\(((?:\s*'(?:[^']|'')*'\s*,)*\s*'(?:[^']|'')*'\s*)\)\s*$`)
	filterInValue    = regexp.MustCompile(`'((?:[^']|'')*)'`)
)

// filterInLimit: "The maximum number of expressions in a filter clause when using the in operator is 15 items by
// default" (filter query parameter; known issues, query parameters).
const filterInLimit = 15

// filterFunc supports the $filter shapes the provider and the tests use: "prop eq 'v'", "prop eq true",
// "startswith(prop,'v')" and "prop in ('a','b',…)" (at most 15 values).
func (c *call) filterFunc(known map[string]any, typeName string) (func(map[string]any) bool, *reply) {
	raw := c.queryOption("filter")
	if raw == "" {
		return func(map[string]any) bool { return true }, nil
	}
	var prop, want string
	var oneOf map[string]bool
	prefix := false
	if m := filterEq.FindStringSubmatch(raw); m != nil {
		prop, want = m[1], strings.ReplaceAll(m[2], "''", "'")
		if m[3] != "" {
			want = m[3]
		}
	} else if m := filterStartsWith.FindStringSubmatch(raw); m != nil {
		prop, want, prefix = m[1], strings.ReplaceAll(m[2], "''", "'"), true
	} else if m := filterIn.FindStringSubmatch(raw); m != nil {
		prop, oneOf = m[1], map[string]bool{}
		values := filterInValue.FindAllStringSubmatch(m[2], -1)
		if len(values) > filterInLimit {
			// Observed: https://github.com/microsoftgraph/microsoft-graph-docs/issues/21098.
			rep := svcError(svcDirectory, http.StatusBadRequest, "Request_UnsupportedQuery",
				fmt.Sprintf("Too many child clauses specified in search filter expression containing 'OR' operators: %d. Max allowed: %d.", len(values), filterInLimit))
			return nil, &rep
		}
		for _, v := range values {
			oneOf[strings.ToLower(strings.ReplaceAll(v[1], "''", "'"))] = true
		}
	} else {
		rep := badRequest(svcGraph, "Invalid filter clause")
		return nil, &rep
	}
	name := ""
	for k := range known {
		if strings.EqualFold(k, prop) {
			name = k
		}
	}
	if name == "" {
		rep := badRequest(svcGraph, fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.%s'.", prop, typeName))
		return nil, &rep
	}
	return func(props map[string]any) bool {
		v, ok := props[name]
		if !ok || v == nil {
			return false
		}
		got := strings.ToLower(fmt.Sprint(v))
		if oneOf != nil {
			return oneOf[got]
		}
		if prefix {
			return strings.HasPrefix(got, strings.ToLower(want))
		}
		return got == strings.ToLower(want)
	}, nil
}

// page answers a collection with $top / $skiptoken paging and an @odata.nextLink.
func (c *call) page(contextFragment string, items []map[string]any) reply {
	top := 100
	if raw := c.queryOption("top"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 999 {
			return badRequest(svcGraph, fmt.Sprintf("Invalid page size specified: '%s'. Must be between 1 and 999 inclusive.", raw))
		}
		top = n
	}
	skip := 0
	if raw := c.queryOption("skiptoken"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 {
			return badRequest(svcGraph, "Invalid $skiptoken.")
		}
		skip = min(n, len(items))
	}
	end := min(skip+top, len(items))
	body := map[string]any{
		"@odata.context": c.e.url + "/v1.0/$metadata#" + contextFragment,
		"value":          items[skip:end],
	}
	if end < len(items) {
		q := url.Values{}
		for k, v := range c.query {
			if !strings.EqualFold(k, "$skiptoken") && !strings.EqualFold(k, "skiptoken") {
				q[k] = v
			}
		}
		q.Set("$skiptoken", strconv.Itoa(end))
		body["@odata.nextLink"] = c.e.url + c.path + "?" + q.Encode()
	}
	return jsonReply(http.StatusOK, body)
}

// ----- users -----

func (s *tenantState) sortedUsers() []*user {
	out := make([]*user, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// userSelection is selection for users plus the signInActivity permission rule: "To read the
// signInActivity property ... the app must be granted AuditLog.Read.All" (user resource); without it Graph
// answers 403 Authentication_MSGraphPermissionMissing.
func (c *call) userSelection() ([]string, *reply) {
	sel, rep := c.selection(userPropertyNames, "user")
	if rep != nil {
		return nil, rep
	}
	if rep := c.checkSignInActivity(sel); rep != nil {
		return nil, rep
	}
	return sel, nil
}

func (c *call) checkSignInActivity(sel []string) *reply {
	for _, f := range sel {
		if f == "signInActivity" && !c.p.roles[signInActivityRole] {
			r := svcError(svcDirectory, http.StatusForbidden, "Authentication_MSGraphPermissionMissing",
				"Calling principal does not have required MSGraph permissions "+signInActivityRole)
			return &r
		}
	}
	return nil
}

// selectContext is the @odata.context of a (possibly $select-ed) entity set: users, or users(id,mail).
func selectContext(set string, sel []string) string {
	if sel == nil {
		return set
	}
	return set + "(" + strings.Join(sel, ",") + ")"
}

func (c *call) listUsers() reply {
	sel, rep := c.userSelection()
	if rep != nil {
		return *rep
	}
	keep, rep := c.filterFunc(userPropertyNames, "user")
	if rep != nil {
		return *rep
	}
	fields := sel
	if fields == nil {
		fields = userDefaultSelect
	}
	var items []map[string]any
	for _, u := range c.s.sortedUsers() {
		if props := u.properties(); keep(props) {
			items = append(items, project(props, fields))
		}
	}
	return c.page(selectContext("users", sel), nonNil(items))
}

func nonNil(items []map[string]any) []map[string]any {
	if items == nil {
		return []map[string]any{}
	}
	return items
}

// getUser returns the default property set, or exactly the $select-ed properties (no id unless selected,
// as in the user-get page's $select example).
func (c *call) getUser() reply {
	u, rep := c.addressUser(c.params[0])
	if rep != nil {
		return *rep
	}
	sel, rep := c.userSelection()
	if rep != nil {
		return *rep
	}
	fields := sel
	if fields == nil {
		fields = userDefaultSelect
	}
	body := project(u.properties(), fields)
	body["@odata.context"] = c.e.url + "/v1.0/$metadata#" + selectContext("users", sel) + "/$entity"
	return jsonReply(http.StatusOK, body)
}

// invalidUserValue is the directory's message for a value of the wrong shape, with the details Graph adds.
func invalidUserValue(prop string) reply {
	msg := fmt.Sprintf("Invalid value specified for property '%s' of resource 'User'.", prop)
	rep := badRequest(svcDirectory, msg)
	rep.addDetail("InvalidValue", msg, prop)
	return rep
}

func requiredValue(prop string) reply {
	return badRequest(svcDirectory, fmt.Sprintf(requiredValueMessage, prop))
}

// userRequiredOnCreate are the properties the create-user page says a user needs, in its order
// (onPremisesImmutableId only for federated domains, which the emulator does not have).
var userRequiredOnCreate = []string{"accountEnabled", "displayName", "mailNickname", "passwordProfile", "userPrincipalName"}

// decodeUserBody applies a POST or PATCH body to u. passwordProfile is accepted and dropped unread: the
// emulator keeps no passwords. creationType is accepted (real Graph sets it on invitation) so tests can
// create external guests.
func decodeUserBody(o jsonObject, u *user) *reply {
	for _, f := range []struct {
		key string
		dst *string
	}{{"displayName", &u.displayName}, {"userPrincipalName", &u.upn}, {"mailNickname", &u.mailNickname},
		{"mail", &u.mail}, {"givenName", &u.givenName}, {"surname", &u.surname}, {"userType", &u.userType},
		{"creationType", &u.creationType}} {
		if _, err := o.decode(f.key, f.dst); err != nil {
			rep := invalidUserValue(f.key)
			return &rep
		}
	}
	if _, err := o.decode("accountEnabled", &u.accountEnabled); err != nil {
		rep := invalidUserValue("accountEnabled")
		return &rep
	}
	if o.present("passwordProfile") {
		var profile map[string]any
		if err := json.Unmarshal(o["passwordProfile"], &profile); err != nil {
			rep := invalidUserValue("passwordProfile")
			return &rep
		}
	}
	if err := u.storeWritable(o); err != nil {
		rep := invalidUserValue(err.Error())
		return &rep
	}
	switch strings.ToLower(u.userType) {
	case "member":
		u.userType = "Member"
	case "guest":
		u.userType = "Guest"
	default:
		rep := invalidUserValue("userType")
		return &rep
	}
	return nil
}

// checkUserUPN applies the UPN rules and uniqueness; self is the user being updated (nil on create).
func (c *call) checkUserUPN(upn string, self *user) *reply {
	settings := c.s.settings
	if msg := checkUPN(upn, settings.ValidateUserPrincipalName, settings.AllowDollarInUserPrincipalName); msg != "" {
		rep := badRequest(svcDirectory, msg)
		return &rep
	}
	if other := c.s.usersByUPN[strings.ToLower(upn)]; other != nil && other != self {
		rep := badRequest(svcDirectory, upnConflictMessage)
		rep.addDetail("ObjectConflict", "", "userPrincipalName")
		return &rep
	}
	return nil
}

// createUser: POST /users. The five documented required properties are checked first (settings
// requireUserCreateProperties), then the UPN rules (validateUserPrincipalName).
func (c *call) createUser() reply {
	o, err := parseObject(c.body)
	if err != nil {
		return badRequest(svcDirectory, invalidJSONMessage)
	}
	u := &user{userType: "Member", accountEnabled: true}
	if rep := decodeUserBody(o, u); rep != nil {
		return *rep
	}
	u.displayName = strings.TrimSpace(u.displayName)
	if c.s.settings.RequireUserCreateProperties {
		for _, prop := range userRequiredOnCreate {
			empty := !o.present(prop)
			switch prop {
			case "displayName":
				empty = u.displayName == ""
			case "mailNickname":
				empty = u.mailNickname == ""
			case "userPrincipalName":
				empty = u.upn == ""
			}
			if empty {
				return requiredValue(prop)
			}
		}
	}
	if u.displayName == "" {
		return invalidUserValue("displayName")
	}
	if rep := c.checkUserUPN(u.upn, nil); rep != nil {
		return *rep
	}
	if u.mailNickname == "" {
		u.mailNickname, _, _ = strings.Cut(u.upn, "@")
	}
	c.s.seq++
	u.id, u.seq, u.created = newGUID(), c.s.seq, c.now
	c.s.users[u.id] = u
	c.s.usersByUPN[strings.ToLower(u.upn)] = u

	body := project(u.properties(), userDefaultSelect)
	body["@odata.context"] = c.e.url + "/v1.0/$metadata#users/$entity"
	rep := jsonReply(http.StatusCreated, body)
	rep.setHeader("Location", c.e.url+"/v1.0/users/"+u.id)
	return rep
}

// updateUser: PATCH /users/{id}, 204. displayName "cannot be cleared during updates" (user resource); a new
// userPrincipalName follows the create rules.
func (c *call) updateUser() reply {
	u, rep := c.addressUser(c.params[0])
	if rep != nil {
		return *rep
	}
	o, err := parseObject(c.body)
	if err != nil {
		return badRequest(svcDirectory, invalidJSONMessage)
	}
	next := *u
	next.extra = make(map[string]any, len(u.extra))
	for k, v := range u.extra {
		next.extra[k] = v
	}
	if rep := decodeUserBody(o, &next); rep != nil {
		return *rep
	}
	next.displayName = strings.TrimSpace(next.displayName)
	if next.displayName == "" {
		return invalidUserValue("displayName")
	}
	if next.mailNickname == "" {
		return invalidUserValue("mailNickname")
	}
	if next.upn != u.upn {
		if rep := c.checkUserUPN(next.upn, u); rep != nil {
			return *rep
		}
	}
	delete(c.s.usersByUPN, strings.ToLower(u.upn))
	*u = next
	c.s.usersByUPN[strings.ToLower(u.upn)] = u
	return noContent()
}

func (c *call) deleteUser() reply {
	u, rep := c.addressUser(c.params[0])
	if rep != nil {
		return *rep
	}
	c.s.unlinkMemberships(u.id)
	delete(c.s.users, u.id)
	delete(c.s.usersByUPN, strings.ToLower(u.upn))
	return noContent()
}

// unlinkMemberships removes every membership edge into or out of id.
func (s *tenantState) unlinkMemberships(id string) {
	for g := range s.memberOf[id] {
		delete(s.members[g], id)
	}
	for m := range s.members[id] {
		delete(s.memberOf[m], id)
	}
	delete(s.memberOf, id)
	delete(s.members, id)
}

// ----- groups -----

func (c *call) listGroups() reply {
	sel, rep := c.selection(groupPropertyNames, "group")
	if rep != nil {
		return *rep
	}
	keep, rep := c.filterFunc(groupPropertyNames, "group")
	if rep != nil {
		return *rep
	}
	if sel == nil {
		sel = groupDefaultSelect()
	}
	groups := make([]*group, 0, len(c.s.groups))
	for _, g := range c.s.groups {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].seq < groups[j].seq })
	var items []map[string]any
	for _, g := range groups {
		if props := g.properties(); keep(props) {
			items = append(items, project(props, sel))
		}
	}
	return c.page("groups", nonNil(items))
}

func (c *call) getGroup() reply {
	g, rep := c.addressGroup(c.params[0])
	if rep != nil {
		return *rep
	}
	sel, rep := c.selection(groupPropertyNames, "group")
	if rep != nil {
		return *rep
	}
	if sel == nil {
		sel = groupDefaultSelect()
	}
	body := project(g.properties(), sel)
	body["@odata.context"] = c.e.url + "/v1.0/$metadata#groups/$entity"
	return jsonReply(http.StatusOK, body)
}

func invalidGroupValue(prop string) reply {
	return badRequest(svcDirectory, fmt.Sprintf("Invalid value specified for property '%s' of resource 'Group'.", prop))
}

func (c *call) createGroup() reply {
	o, err := parseObject(c.body)
	if err != nil {
		return badRequest(svcDirectory, invalidJSONMessage)
	}
	g := &group{securityEnabled: true}
	for _, f := range []struct {
		key string
		dst any
	}{{"displayName", &g.displayName}, {"description", &g.description}, {"mailNickname", &g.mailNickname},
		{"mailEnabled", &g.mailEnabled}, {"securityEnabled", &g.securityEnabled}, {"groupTypes", &g.groupTypes}} {
		if _, err := o.decode(f.key, f.dst); err != nil {
			return invalidGroupValue(f.key)
		}
	}
	g.displayName = strings.TrimSpace(g.displayName)
	if g.displayName == "" {
		return invalidGroupValue("displayName")
	}
	if g.mailNickname == "" {
		g.mailNickname = mailNicknameFrom(g.displayName)
	}
	c.s.seq++
	g.id, g.seq, g.created = newGUID(), c.s.seq, c.now
	c.s.groups[g.id] = g

	body := g.properties()
	body["@odata.context"] = c.e.url + "/v1.0/$metadata#groups/$entity"
	rep := jsonReply(http.StatusCreated, body)
	rep.setHeader("Location", c.e.url+"/v1.0/groups/"+g.id)
	return rep
}

func mailNicknameFrom(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "group"
	}
	return b.String()
}

func (c *call) deleteGroup() reply {
	g, rep := c.addressGroup(c.params[0])
	if rep != nil {
		return *rep
	}
	c.s.unlinkMemberships(g.id)
	delete(c.s.groups, g.id)
	return noContent()
}

// ----- membership -----

func (c *call) addMember() reply {
	g, rep := c.addressGroup(c.params[0])
	if rep != nil {
		return *rep
	}
	o, err := parseObject(c.body)
	if err != nil {
		return badRequest(svcDirectory, invalidJSONMessage)
	}
	var ref string
	if _, err := o.decode("@odata.id", &ref); err != nil || ref == "" {
		return badRequest(svcDirectory, "Invalid object identifier ''.")
	}
	memberID := ref
	if u, err := url.Parse(ref); err == nil && u.Path != "" {
		memberID = u.Path
	}
	memberID = memberID[strings.LastIndex(memberID, "/")+1:]
	if !isGUID(memberID) {
		return badRequest(svcDirectory, fmt.Sprintf("Invalid object identifier '%s'.", memberID))
	}
	mu, mg, rep := c.addressObject(memberID)
	if rep != nil {
		return *rep
	}
	id := ""
	if mu != nil {
		id = mu.id
	} else {
		id = mg.id
	}
	if !memberTypePermitted(c.p, c.s.settings, mu != nil) {
		return forbidden(svcDirectory)
	}
	if id == g.id {
		return badRequest(svcDirectory, "A group cannot be a member of itself.")
	}
	if c.s.members[g.id][id] {
		return badRequest(svcDirectory, "One or more added object references already exist for the following modified properties: 'members'.")
	}
	if c.s.members[g.id] == nil {
		c.s.members[g.id] = map[string]bool{}
	}
	if c.s.memberOf[id] == nil {
		c.s.memberOf[id] = map[string]bool{}
	}
	c.s.members[g.id][id] = true
	c.s.memberOf[id][g.id] = true
	return noContent()
}

func (c *call) removeMember() reply {
	g, rep := c.addressGroup(c.params[0])
	if rep != nil {
		return *rep
	}
	id := strings.ToLower(c.params[1])
	if !c.s.members[g.id][id] {
		return resourceNotFound(svcDirectory, "Request_ResourceNotFound", c.params[1])
	}
	delete(c.s.members[g.id], id)
	delete(c.s.memberOf[id], g.id)
	return noContent()
}

// directoryObject renders a user or group for a directoryObject collection with its default property set
// and @odata.type; nil when id is neither.
func (s *tenantState) directoryObject(id string) map[string]any { return s.selectedObject(id, nil) }

// selectedObject is directoryObject with the $select-ed properties the object has (sel nil: the default set).
func (s *tenantState) selectedObject(id string, sel []string) map[string]any {
	var o map[string]any
	switch u, g := s.users[id], s.groups[id]; {
	case u != nil:
		o = project(u.properties(), firstNonNil(sel, userDefaultSelect))
		o["@odata.type"] = "#microsoft.graph.user"
	case g != nil:
		props := g.properties()
		o = props
		if sel != nil {
			o = project(props, sel)
		}
		o["@odata.type"] = "#microsoft.graph.group"
	}
	return o
}

func firstNonNil(a, b []string) []string {
	if a != nil {
		return a
	}
	return b
}

// objectSelection parses $select on a directoryObject collection: a property of users or of groups.
func (c *call) objectSelection() ([]string, *reply) {
	known := make(map[string]any, len(userPropertyNames)+len(groupPropertyNames))
	for k, v := range userPropertyNames {
		known[k] = v
	}
	for k, v := range groupPropertyNames {
		known[k] = v
	}
	sel, rep := c.selection(known, "directoryObject")
	if rep != nil {
		return nil, rep
	}
	if rep := c.checkSignInActivity(sel); rep != nil {
		return nil, rep
	}
	return sel, nil
}

func (s *tenantState) seqOf(id string) int64 {
	if u := s.users[id]; u != nil {
		return u.seq
	}
	if g := s.groups[id]; g != nil {
		return g.seq
	}
	return 0
}

func (c *call) objectCollection(ids map[string]bool) reply {
	sel, rep := c.objectSelection()
	if rep != nil {
		return *rep
	}
	list := make([]string, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	sort.Slice(list, func(i, j int) bool { return c.s.seqOf(list[i]) < c.s.seqOf(list[j]) })
	items := make([]map[string]any, 0, len(list))
	for _, id := range list {
		if o := c.s.selectedObject(id, sel); o != nil {
			items = append(items, o)
		}
	}
	return c.page(selectContext("directoryObjects", sel), items)
}

// walk follows edges breadth-first from id, visiting each object once (membership graphs may have cycles).
func walk(edges map[string]map[string]bool, id string) map[string]bool {
	seen := map[string]bool{}
	queue := []string{id}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for next := range edges[cur] {
			if !seen[next] && next != id {
				seen[next] = true
				queue = append(queue, next)
			}
		}
	}
	return seen
}

func (c *call) listMembers() reply {
	g, rep := c.addressGroup(c.params[0])
	if rep != nil {
		return *rep
	}
	return c.objectCollection(c.s.members[g.id])
}

func (c *call) transitiveMembers() reply {
	g, rep := c.addressGroup(c.params[0])
	if rep != nil {
		return *rep
	}
	return c.objectCollection(walk(c.s.members, g.id))
}

func (c *call) memberOf() reply {
	id, rep := c.addressSubject()
	if rep != nil {
		return *rep
	}
	return c.objectCollection(c.s.memberOf[id])
}

func (c *call) transitiveMemberOf() reply {
	id, rep := c.addressSubject()
	if rep != nil {
		return *rep
	}
	return c.objectCollection(walk(c.s.memberOf, id))
}

// checkMemberGroupsLimit is Graph's maximum number of group ids per call.
const checkMemberGroupsLimit = 20

func (c *call) checkMemberGroups() reply {
	id, rep := c.addressSubject()
	if rep != nil {
		return *rep
	}
	var req struct {
		GroupIDs []string `json:"groupIds"`
	}
	if err := json.Unmarshal(c.body, &req); err != nil || req.GroupIDs == nil {
		return badRequest(svcDirectory, "Invalid value specified for property 'groupIds' of resource 'CheckMemberGroups'.")
	}
	if len(req.GroupIDs) > checkMemberGroupsLimit {
		return badRequest(svcDirectory, fmt.Sprintf("The request exceeds the limit of %d group ids for checkMemberGroups.", checkMemberGroupsLimit))
	}
	ancestors := walk(c.s.memberOf, id)
	found := []string{}
	for _, gid := range req.GroupIDs {
		if ancestors[strings.ToLower(gid)] {
			found = append(found, gid)
		}
	}
	return jsonReply(http.StatusOK, map[string]any{
		"@odata.context": c.e.url + "/v1.0/$metadata#Collection(Edm.String)",
		"value":          found,
	})
}

func (c *call) getByIds() reply {
	var req struct {
		IDs   []string `json:"ids"`
		Types []string `json:"types"`
	}
	if err := json.Unmarshal(c.body, &req); err != nil || req.IDs == nil {
		return badRequest(svcDirectory, "Invalid value specified for property 'ids' of resource 'GetByIds'.")
	}
	if len(req.IDs) > 1000 {
		return badRequest(svcDirectory, "The request exceeds the limit of 1000 ids for getByIds.")
	}
	wantUsers, wantGroups := len(req.Types) == 0, len(req.Types) == 0
	for _, t := range req.Types {
		switch strings.ToLower(normalizeSegment(t)) {
		case "user":
			wantUsers = true
		case "group":
			wantGroups = true
		}
	}
	// "The directory objects returned are the full objects containing all their properties" (getByIds page);
	// settings.getByIdsRepresentation "default" gives the default property sets instead.
	full := c.s.settings.GetByIdsRepresentation == "full"
	items := []map[string]any{}
	for _, id := range req.IDs {
		id = strings.ToLower(id)
		if u := c.s.users[id]; u != nil && wantUsers && !c.lagging(u.created) {
			o := c.s.directoryObject(id)
			if full {
				o = u.fullObject()
				o["@odata.type"] = "#microsoft.graph.user"
			}
			items = append(items, o)
		} else if g := c.s.groups[id]; g != nil && wantGroups && !c.lagging(g.created) {
			items = append(items, c.s.directoryObject(id))
		}
	}
	return jsonReply(http.StatusOK, map[string]any{"@odata.context": c.e.url + "/v1.0/$metadata#directoryObjects", "value": items})
}
