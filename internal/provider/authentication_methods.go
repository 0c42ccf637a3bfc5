package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
	"github.com/entra-tap/terraform-provider-entra/internal/issuance"
)

// removeMethodsValidators accept the removable method types and "all".
func removeMethodsValidators() []validator.Set {
	return []validator.Set{setvalidator.ValueStringsAre(stringvalidator.OneOf(append([]string{issuance.RemoveAll}, issuance.RemovableTypes...)...))}
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
