package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
)

// removeAllMethods in remove_methods stands for every method Graph lets an administrator remove.
const removeAllMethods = "all"

// removableMethodTypes are the types remove_methods accepts. Passwords cannot be removed (graph-spec
// §5.2) and a pass is replaced by issuing a new one, so neither is listed.
var removableMethodTypes = []string{
	graph.MethodFido2, graph.MethodMicrosoftAuthenticator, graph.MethodPhone, graph.MethodEmail, graph.MethodSoftwareOath,
	graph.MethodWindowsHelloForBusiness, graph.MethodPlatformCredential, graph.MethodExternal,
}

// removalRank orders removals. Graph refuses to remove the mobile phone while an alternate mobile exists,
// and the user's default method while other methods remain (graph-spec §5.2). v1.0 does not say which
// method is the default, so the methods that usually are (Authenticator, then phones) go last.
func removalRank(m graph.AuthenticationMethod) int {
	switch m.Type {
	case graph.MethodWindowsHelloForBusiness:
		return 0
	case graph.MethodPlatformCredential:
		return 1
	case graph.MethodFido2:
		return 2
	case graph.MethodSoftwareOath:
		return 3
	case graph.MethodExternal:
		return 4
	case graph.MethodEmail:
		return 5
	case graph.MethodMicrosoftAuthenticator:
		return 6
	case graph.MethodPhone:
		switch m.PhoneType {
		case "office":
			return 7
		case "alternateMobile":
			return 8
		default:
			return 9
		}
	}
	return 5
}

// planRemoval selects the user's methods of the requested types, in an order Graph accepts.
func planRemoval(methods []graph.AuthenticationMethod, types []string) []graph.AuthenticationMethod {
	wanted := map[string]bool{}
	for _, t := range types {
		if t == removeAllMethods {
			for _, r := range removableMethodTypes {
				wanted[r] = true
			}
			continue
		}
		wanted[t] = true
	}
	var selected []graph.AuthenticationMethod
	for _, m := range methods {
		if wanted[m.Type] {
			selected = append(selected, m)
		}
	}
	sort.SliceStable(selected, func(i, j int) bool { return removalRank(selected[i]) < removalRank(selected[j]) })
	return selected
}

// removeMethods removes the user's methods of the given types and reports what it removed, in order.
// A removal Graph refuses because the method is the user's default is retried once the others are gone.
func (d *providerData) removeMethods(ctx context.Context, userID string, types []string, progress func(string)) ([]graph.AuthenticationMethod, error) {
	if len(types) == 0 {
		return nil, nil
	}
	methods, err := d.graph.ListMethods(ctx, userID)
	if err != nil {
		return nil, err
	}
	var removed []graph.AuthenticationMethod
	var postponed []graph.AuthenticationMethod
	remove := func(m graph.AuthenticationMethod) error {
		if err := d.graph.DeleteMethod(ctx, userID, m); err != nil {
			if errors.Is(err, graph.ErrNotFound) {
				return nil // already gone
			}
			return err
		}
		removed = append(removed, m)
		tflog.Info(ctx, "Removed an authentication method", map[string]any{"user_id": userID, "type": m.Type, "method_id": m.ID})
		if progress != nil {
			progress(fmt.Sprintf("Removed %s", describeMethod(m)))
		}
		return nil
	}
	for _, m := range planRemoval(methods, types) {
		err := remove(m)
		if gerr, ok := graph.AsError(err); ok && gerr.StatusCode == http.StatusBadRequest && strings.Contains(strings.ToLower(gerr.Message), "default") {
			postponed = append(postponed, m)
			continue
		}
		if err != nil {
			return removed, err
		}
	}
	for _, m := range postponed {
		if err := remove(m); err != nil {
			return removed, fmt.Errorf("%w\n\n%s is the user's default method and other methods remain: include their types in the removal, or change the user's default method first", err, describeMethod(m))
		}
	}
	return removed, nil
}

func describeMethod(m graph.AuthenticationMethod) string {
	parts := []string{m.Type}
	switch {
	case m.DisplayName != "":
		parts = append(parts, fmt.Sprintf("%q", m.DisplayName))
	case m.PhoneType != "":
		parts = append(parts, m.PhoneType)
	}
	return strings.Join(parts, " ") + " (" + m.ID + ")"
}

// Terraform shape of a method, shared by the data source, the pass resources and the action.
var methodAttrTypes = map[string]attr.Type{
	"id": types.StringType, "type": types.StringType, "display_name": types.StringType, "device": types.StringType,
	"phone_number": types.StringType, "phone_type": types.StringType, "email_address": types.StringType,
	"created_date_time": types.StringType,
}

var methodObjectType = types.ObjectType{AttrTypes: methodAttrTypes}

var methodAttributeDescriptions = map[string]string{
	"id": "Id of the method.",
	"type": "The method type: `password`, `fido2`, `microsoftAuthenticator`, `phone`, `email`, `softwareOath`, " +
		"`windowsHelloForBusiness`, `platformCredential`, `external` or `temporaryAccessPass`.",
	"display_name":      "The name the user or device gave the method (security key, phone, Windows Hello device), when there is one.",
	"device":            "The security key model (FIDO2), the device tag (Authenticator) or the platform (platform credential).",
	"phone_number":      "The phone number (phone methods); masked for an Authentication Administrator.",
	"phone_type":        "`mobile`, `alternateMobile` or `office` (phone methods).",
	"email_address":     "The address (email method).",
	"created_date_time": "When the method was registered (RFC 3339), when Graph says.",
}

func methodObject(m graph.AuthenticationMethod) types.Object {
	str := func(s string) types.String {
		if s == "" {
			return types.StringNull()
		}
		return types.StringValue(s)
	}
	created := types.StringNull()
	if m.CreatedDateTime != nil {
		created = types.StringValue(m.CreatedDateTime.UTC().Format("2006-01-02T15:04:05Z07:00"))
	}
	return types.ObjectValueMust(methodAttrTypes, map[string]attr.Value{
		"id": types.StringValue(m.ID), "type": types.StringValue(m.Type), "display_name": str(m.DisplayName),
		"device": str(m.Device), "phone_number": str(m.PhoneNumber), "phone_type": str(m.PhoneType),
		"email_address": str(m.EmailAddress), "created_date_time": created,
	})
}

func methodList(methods []graph.AuthenticationMethod) types.List {
	elems := make([]attr.Value, 0, len(methods))
	for _, m := range methods {
		elems = append(elems, methodObject(m))
	}
	return types.ListValueMust(methodObjectType, elems)
}
