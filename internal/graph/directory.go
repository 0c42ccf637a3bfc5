package graph

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/directoryobjects"
	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// User is the part of a directory user the provider needs.
type User struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	DisplayName       string `json:"displayName"`
	// UserType is Member or Guest.
	UserType string `json:"userType"`
	// CreationType is "Invitation" for a B2B (external) guest.
	CreationType   string `json:"creationType"`
	AccountEnabled bool   `json:"accountEnabled"`
}

// IsExternalGuest reports a B2B-invited guest, for whom Graph refuses to create a pass (graph-spec §4.2).
// Internal guests (a local account with userType Guest) may hold one.
func (u User) IsExternalGuest() bool {
	return strings.EqualFold(u.CreationType, "Invitation") || strings.Contains(strings.ToUpper(u.UserPrincipalName), "#EXT#")
}

// userSelect names every property of User: userType, creationType and accountEnabled are returned only when
// selected (user resource type, "Returned only on $select").
var userSelect = []string{"id", "userPrincipalName", "displayName", "userType", "creationType", "accountEnabled"}

// GetUser reads a user by object id or user principal name.
func (c *Client) GetUser(ctx context.Context, idOrUPN string) (*User, error) {
	op := operation{"reading user " + idOrUPN, permUserRead}
	info, err := c.user(idOrUPN).ToGetRequestInformation(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: userSelect},
	})
	if err != nil {
		return nil, err
	}
	var u User
	if err := c.getJSON(ctx, info, op, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// FilterInLimit is how many values one `in` expression of a $filter may hold: "When using the in operator, the
// request is limited to 15 expressions in the filter clause by default" (Microsoft Graph known issues, query
// parameters; https://developer.microsoft.com/graph/known-issues/?search=13635).
const FilterInLimit = 15

// UserLookup is the answer for one reference of LookUpUsers.
type UserLookup struct {
	User *User
	// Err is set when the request that would have found the user failed; a user that does not exist has
	// neither User nor Err.
	Err error
}

// LookUpUsers reads many users, named by object id or user principal name, with every property of User, in as
// few round trips as Graph allows: `GET /users?$filter=id in (…)` (or `userPrincipalName in (…)`) with $select,
// FilterInLimit references a request (the id and the user principal name support `in`: user resource type), and
// those requests together in $batch envelopes of MaxBatch. directoryObjects/getByIds would take 1000 ids at a
// time, but it returns only a user's default properties, which lack userType, creationType and accountEnabled.
// The answer is keyed by the reference in lower case; a reference with neither User nor Err names nobody (or
// nobody yet: a user created moments ago may not have replicated, graph-spec §6.3).
func (c *Client) LookUpUsers(ctx context.Context, refs []string) map[string]UserLookup {
	var ids, upns []string
	seen := map[string]bool{}
	for _, r := range refs {
		key := strings.ToLower(r)
		if seen[key] {
			continue
		}
		seen[key] = true
		if isGUID(r) {
			ids = append(ids, key)
		} else {
			upns = append(upns, r)
		}
	}
	type chunk struct {
		byUPN bool
		refs  []string
	}
	var chunks []chunk
	for start := 0; start < len(ids); start += FilterInLimit {
		chunks = append(chunks, chunk{refs: ids[start:min(start+FilterInLimit, len(ids))]})
	}
	for start := 0; start < len(upns); start += FilterInLimit {
		chunks = append(chunks, chunk{byUPN: true, refs: upns[start:min(start+FilterInLimit, len(upns))]})
	}
	out := make(map[string]UserLookup, len(seen))
	items := make([]batchItem, 0, len(chunks))
	sent := make([]chunk, 0, len(chunks))
	for _, ch := range chunks {
		prop, by := "id", "object id"
		if ch.byUPN {
			prop, by = "userPrincipalName", "user principal name"
		}
		filter := prop + " in (" + odataList(ch.refs) + ")"
		// $top below 20 also lowers the request's cost in Graph's throttling (graph-spec §6.1).
		top := int32(len(ch.refs))
		info, err := c.users().ToGetRequestInformation(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter, Select: userSelect, Top: &top},
		})
		if err != nil {
			for _, r := range ch.refs {
				out[strings.ToLower(r)] = UserLookup{Err: err}
			}
			continue
		}
		what := fmt.Sprintf("looking up %d users by %s", len(ch.refs), by)
		if len(ch.refs) == 1 {
			what = "looking up user " + ch.refs[0]
		}
		items = append(items, batchItem{info: info, op: operation{what, permUserRead}})
		sent = append(sent, ch)
	}
	answers := c.sendBatched(markIdempotent(ctx), items)
	for i, ch := range sent {
		var page struct {
			Value []User `json:"value"`
		}
		err := answers[i].err
		if err == nil {
			err = decodeAnswer(items[i].op, answers[i].body, &page)
		}
		found := map[string]*User{}
		for j := range page.Value {
			u := &page.Value[j]
			found[strings.ToLower(u.ID)] = u
			found[strings.ToLower(u.UserPrincipalName)] = u
		}
		for _, r := range ch.refs {
			key := strings.ToLower(r)
			switch {
			case err != nil:
				out[key] = UserLookup{Err: err}
			case found[key] != nil:
				out[key] = UserLookup{User: found[key]}
			default:
				out[key] = UserLookup{}
			}
		}
	}
	return out
}

// UserNotFoundError is the error of a reference LookUpUsers found no user for, worded as Graph words a read of
// a user that does not exist.
func UserNotFoundError(ref string) error {
	return &Error{Operation: "looking up user " + ref, Permission: permUserRead, StatusCode: http.StatusNotFound, Code: "Request_ResourceNotFound",
		Message: fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", ref)}
}

// odataList writes values as OData string literals separated by commas: in single quotes, a quote doubled.
func odataList(values []string) string {
	var b strings.Builder
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(v, "'", "''"))
		b.WriteByte('\'')
	}
	return b.String()
}

// isGUID reports an object id (8-4-4-4-12 hexadecimal digits).
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// checkMemberGroupsLimit is Graph's maximum number of group ids per checkMemberGroups call.
const checkMemberGroupsLimit = 20

// CheckMemberGroups returns which of groupIDs the user belongs to, directly or through nested groups.
func (c *Client) CheckMemberGroups(ctx context.Context, userID string, groupIDs []string) (map[string]bool, error) {
	r := c.CheckMemberGroupsMany(ctx, []MemberCheck{{UserID: userID, GroupIDs: groupIDs}})
	return r[0].Member, r[0].Err
}

// MemberCheck asks which of GroupIDs a user belongs to.
type MemberCheck struct {
	UserID   string
	GroupIDs []string
}

// MemberResult answers a MemberCheck: the groups of GroupIDs the user belongs to, in lower case.
type MemberResult struct {
	Member map[string]bool
	Err    error
}

// CheckMemberGroupsMany runs many users' membership checks (POST /users/{id}/checkMemberGroups, 20 group ids
// each) together in $batch envelopes.
func (c *Client) CheckMemberGroupsMany(ctx context.Context, checks []MemberCheck) []MemberResult {
	type part struct{ check, item int }
	var items []batchItem
	var parts []part
	results := make([]MemberResult, len(checks))
	for ci, mc := range checks {
		results[ci].Member = map[string]bool{}
		for start := 0; start < len(mc.GroupIDs); start += checkMemberGroupsLimit {
			body := users.NewItemCheckMemberGroupsPostRequestBody()
			body.SetGroupIds(mc.GroupIDs[start:min(start+checkMemberGroupsLimit, len(mc.GroupIDs))])
			info, err := c.user(mc.UserID).CheckMemberGroups().ToPostRequestInformation(ctx, body, nil)
			if err != nil {
				results[ci].Err = err
				continue
			}
			items = append(items, batchItem{info: info, op: operation{"checking the group memberships of user " + mc.UserID, permMemberCheck}})
			parts = append(parts, part{check: ci, item: len(items) - 1})
		}
	}
	answers := c.sendBatched(markIdempotent(ctx), items)
	for _, p := range parts {
		a := answers[p.item]
		r := &results[p.check]
		if r.Err != nil {
			continue
		}
		var resp struct {
			Value []string `json:"value"`
		}
		err := a.err
		if err == nil {
			err = decodeAnswer(items[p.item].op, a.body, &resp)
		}
		if err != nil {
			r.Err, r.Member = err, nil
			continue
		}
		for _, id := range resp.Value {
			r.Member[strings.ToLower(id)] = true
		}
	}
	return results
}

// DirectoryObject is a user or group found by id.
type DirectoryObject struct {
	ID string
	// Type is "user" or "group" (or another directory object type in lower camel case).
	Type        string
	DisplayName string
}

// getByIdsLimit is Graph's maximum number of ids per directoryObjects/getByIds call.
const getByIdsLimit = 1000

// GetDirectoryObjects looks up many users and groups by object id in as few requests as Graph allows.
// Ids that do not exist are simply absent from the result.
func (c *Client) GetDirectoryObjects(ctx context.Context, ids []string) (map[string]DirectoryObject, error) {
	found := make(map[string]DirectoryObject, len(ids))
	ctx = markIdempotent(ctx)
	op := operation{"looking up users and groups by id", permDirRead}
	for start := 0; start < len(ids); start += getByIdsLimit {
		body := directoryobjects.NewGetByIdsPostRequestBody()
		body.SetIds(ids[start:min(start+getByIdsLimit, len(ids))])
		body.SetTypes([]string{"user", "group"})
		info, err := c.directoryObjects().GetByIds().ToPostRequestInformation(ctx, body, nil)
		if err != nil {
			return nil, err
		}
		var resp struct {
			Value []struct {
				ODataType   string `json:"@odata.type"`
				ID          string `json:"id"`
				DisplayName string `json:"displayName"`
			} `json:"value"`
		}
		if err := c.getJSON(ctx, info, op, &resp); err != nil {
			return nil, err
		}
		for _, obj := range resp.Value {
			found[strings.ToLower(obj.ID)] = DirectoryObject{ID: obj.ID, Type: strings.TrimPrefix(obj.ODataType, "#microsoft.graph."), DisplayName: obj.DisplayName}
		}
	}
	return found, nil
}

// ListGroupUsers returns every user in the group, directly or through nested groups, following Graph's
// pages.
func (c *Client) ListGroupUsers(ctx context.Context, groupID string) ([]User, error) {
	op := operation{"listing the members of group " + groupID, permGroupMembers}
	builder := c.groups().ByGroupId(groupID).TransitiveMembers()
	info, err := builder.ToGetRequestInformation(ctx, &groups.ItemTransitiveMembersRequestBuilderGetRequestConfiguration{
		QueryParameters: &groups.ItemTransitiveMembersRequestBuilderGetQueryParameters{Select: userSelect},
	})
	var members []User
	for err == nil {
		var page struct {
			Value []struct {
				ODataType string `json:"@odata.type"`
				User
			} `json:"value"`
			NextLink string `json:"@odata.nextLink"`
		}
		if err = c.getJSON(ctx, info, op, &page); err != nil {
			break
		}
		for _, obj := range page.Value {
			if obj.ODataType == "#microsoft.graph.user" {
				members = append(members, obj.User)
			}
		}
		if page.NextLink == "" {
			return members, nil
		}
		info, err = builder.WithUrl(page.NextLink).ToGetRequestInformation(ctx, nil)
	}
	return nil, err
}
