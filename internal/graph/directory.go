package graph

import (
	"context"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/directoryobjects"
	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// User is the part of a directory user the provider needs.
type User struct {
	ID                string
	UserPrincipalName string
	DisplayName       string
	// UserType is Member or Guest.
	UserType string
	// CreationType is "Invitation" for a B2B (external) guest.
	CreationType   string
	AccountEnabled bool
}

// IsExternalGuest reports a B2B-invited guest, for whom Graph refuses to create a pass (graph-spec §4.2).
// Internal guests (a local account with userType Guest) may hold one.
func (u User) IsExternalGuest() bool {
	return strings.EqualFold(u.CreationType, "Invitation") || strings.Contains(strings.ToUpper(u.UserPrincipalName), "#EXT#")
}

var userSelect = []string{"id", "userPrincipalName", "displayName", "userType", "creationType", "accountEnabled"}

// GetUser reads a user by object id or user principal name.
func (c *Client) GetUser(ctx context.Context, idOrUPN string) (*User, error) {
	m, err := c.sdk.Users().ByUserId(idOrUPN).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: userSelect},
	})
	if err != nil {
		return nil, wrap(ctx, operation{"reading user " + idOrUPN, permUserRead}, err)
	}
	return &User{
		ID:                deref(m.GetId()),
		UserPrincipalName: deref(m.GetUserPrincipalName()),
		DisplayName:       deref(m.GetDisplayName()),
		UserType:          deref(m.GetUserType()),
		CreationType:      deref(m.GetCreationType()),
		AccountEnabled:    deref(m.GetAccountEnabled()),
	}, nil
}

// checkMemberGroupsLimit is Graph's maximum number of group ids per checkMemberGroups call.
const checkMemberGroupsLimit = 20

// CheckMemberGroups returns which of groupIDs the user belongs to, directly or through nested groups.
func (c *Client) CheckMemberGroups(ctx context.Context, userID string, groupIDs []string) (map[string]bool, error) {
	member := make(map[string]bool, len(groupIDs))
	ctx = markIdempotent(ctx)
	for start := 0; start < len(groupIDs); start += checkMemberGroupsLimit {
		chunk := groupIDs[start:min(start+checkMemberGroupsLimit, len(groupIDs))]
		body := users.NewItemCheckMemberGroupsPostRequestBody()
		body.SetGroupIds(chunk)
		resp, err := c.sdk.Users().ByUserId(userID).CheckMemberGroups().PostAsCheckMemberGroupsPostResponse(ctx, body, nil)
		if err != nil {
			return nil, wrap(ctx, operation{"checking the group memberships of user " + userID, permMemberCheck}, err)
		}
		for _, id := range resp.GetValue() {
			member[strings.ToLower(id)] = true
		}
	}
	return member, nil
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
	for start := 0; start < len(ids); start += getByIdsLimit {
		body := directoryobjects.NewGetByIdsPostRequestBody()
		body.SetIds(ids[start:min(start+getByIdsLimit, len(ids))])
		body.SetTypes([]string{"user", "group"})
		resp, err := c.sdk.DirectoryObjects().GetByIds().PostAsGetByIdsPostResponse(ctx, body, nil)
		if err != nil {
			return nil, wrap(ctx, operation{"looking up users and groups by id", permDirRead}, err)
		}
		for _, obj := range resp.GetValue() {
			o := DirectoryObject{ID: deref(obj.GetId()), Type: objectType(obj)}
			switch v := obj.(type) {
			case models.Userable:
				o.DisplayName = deref(v.GetDisplayName())
			case models.Groupable:
				o.DisplayName = deref(v.GetDisplayName())
			}
			found[strings.ToLower(o.ID)] = o
		}
	}
	return found, nil
}

func objectType(obj models.DirectoryObjectable) string {
	switch obj.(type) {
	case models.Userable:
		return "user"
	case models.Groupable:
		return "group"
	}
	t := deref(obj.GetOdataType())
	return strings.TrimPrefix(t, "#microsoft.graph.")
}

// ListGroupUsers returns every user in the group, directly or through nested groups, following Graph's
// pages.
func (c *Client) ListGroupUsers(ctx context.Context, groupID string) ([]User, error) {
	op := operation{"listing the members of group " + groupID, permGroupMembers}
	builder := c.sdk.Groups().ByGroupId(groupID).TransitiveMembers()
	resp, err := builder.Get(ctx, &groups.ItemTransitiveMembersRequestBuilderGetRequestConfiguration{
		QueryParameters: &groups.ItemTransitiveMembersRequestBuilderGetQueryParameters{Select: userSelect},
	})
	var members []User
	for err == nil {
		for _, obj := range resp.GetValue() {
			if u, ok := obj.(*models.User); ok {
				members = append(members, User{
					ID: deref(u.GetId()), UserPrincipalName: deref(u.GetUserPrincipalName()), DisplayName: deref(u.GetDisplayName()),
					UserType: deref(u.GetUserType()), CreationType: deref(u.GetCreationType()), AccountEnabled: deref(u.GetAccountEnabled()),
				})
			}
		}
		next := resp.GetOdataNextLink()
		if next == nil || *next == "" {
			return members, nil
		}
		resp, err = builder.WithUrl(*next).Get(ctx, nil)
	}
	return nil, wrap(ctx, op, err)
}

// GetUsersByID looks up many users by object id in as few requests as Graph allows (getByIds, 1000 ids
// each). It returns the default user properties: id, user principal name and display name. Ids that do
// not exist, or are not users, are absent from the result.
func (c *Client) GetUsersByID(ctx context.Context, ids []string) (map[string]User, error) {
	found := make(map[string]User, len(ids))
	ctx = markIdempotent(ctx)
	for start := 0; start < len(ids); start += getByIdsLimit {
		body := directoryobjects.NewGetByIdsPostRequestBody()
		body.SetIds(ids[start:min(start+getByIdsLimit, len(ids))])
		body.SetTypes([]string{"user"})
		resp, err := c.sdk.DirectoryObjects().GetByIds().PostAsGetByIdsPostResponse(ctx, body, nil)
		if err != nil {
			return nil, wrap(ctx, operation{"looking up users by id", permDirRead}, err)
		}
		for _, obj := range resp.GetValue() {
			if u, ok := obj.(*models.User); ok {
				found[strings.ToLower(deref(u.GetId()))] = User{
					ID: deref(u.GetId()), UserPrincipalName: deref(u.GetUserPrincipalName()), DisplayName: deref(u.GetDisplayName()),
				}
			}
		}
	}
	return found, nil
}
