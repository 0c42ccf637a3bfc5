package emulator

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// The v1.0 user resource (resources/user.md, and the structural properties of msgraph-sdk-go's v1.0 user
// model): every property $select may name, in the documented order. Navigation properties (manager,
// memberOf, authentication, ...) are not here: they are routes of their own.
var userCatalogue = []string{
	"aboutMe", "accountEnabled", "ageGroup", "assignedLicenses", "assignedPlans", "authorizationInfo", "birthday",
	"businessPhones", "city", "companyName", "consentProvidedForMinor", "country", "createdDateTime", "creationType",
	"customSecurityAttributes", "deletedDateTime", "department", "deviceEnrollmentLimit", "displayName",
	"employeeHireDate", "employeeId", "employeeLeaveDateTime", "employeeOrgData", "employeeType", "externalUserState",
	"externalUserStateChangeDateTime", "faxNumber", "givenName", "hireDate", "id", "identities", "identityParentId",
	"imAddresses", "interests", "isManagementRestricted", "isResourceAccount", "jobTitle", "lastPasswordChangeDateTime",
	"legalAgeGroupClassification", "licenseAssignmentStates", "mail", "mailboxSettings", "mailNickname", "mobilePhone",
	"mySite", "officeLocation", "onPremisesDistinguishedName", "onPremisesDomainName", "onPremisesExtensionAttributes",
	"onPremisesImmutableId", "onPremisesLastSyncDateTime", "onPremisesProvisioningErrors", "onPremisesSamAccountName",
	"onPremisesSecurityIdentifier", "onPremisesSyncEnabled", "onPremisesUserPrincipalName", "otherMails",
	"passwordPolicies", "passwordProfile", "pastProjects", "postalCode", "preferredDataLocation", "preferredLanguage",
	"preferredName", "provisionedPlans", "proxyAddresses", "responsibilities", "schools", "securityIdentifier",
	"serviceProvisioningErrors", "showInAddressList", "signInActivity", "signInSessionsValidFromDateTime", "skills",
	"state", "streetAddress", "surname", "usageLocation", "userPrincipalName", "userType",
}

// userDefaultSelect: "By default, only a limited set of properties are returned (businessPhones, displayName,
// givenName, id, jobTitle, mail, mobilePhone, officeLocation, preferredLanguage, surname, userPrincipalName)"
// (user-get page), in the order of its example response.
var userDefaultSelect = []string{"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
	"officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"}

// userWritable are the documented writable properties the emulator stores as given (no type checks), on
// POST and PATCH. The properties with a behaviour of their own (displayName, userPrincipalName, mailNickname,
// mail, givenName, surname, userType, creationType, accountEnabled, passwordProfile) are handled apart.
// externalUserState is accepted, like creationType, so tests can shape external guests.
var userWritable = setOf("aboutMe", "ageGroup", "birthday", "businessPhones", "city", "companyName",
	"consentProvidedForMinor", "country", "department", "employeeHireDate", "employeeId", "employeeLeaveDateTime",
	"employeeOrgData", "employeeType", "externalUserState", "faxNumber", "hireDate", "identities", "interests",
	"jobTitle", "mobilePhone", "mySite", "officeLocation", "onPremisesExtensionAttributes", "onPremisesImmutableId",
	"otherMails", "passwordPolicies", "pastProjects", "postalCode", "preferredDataLocation", "preferredLanguage",
	"preferredName", "responsibilities", "schools", "showInAddressList", "skills", "state", "streetAddress",
	"usageLocation")

// userNotInFullObject: what getByIds' "full objects containing all their properties" leaves out, an EMULATOR
// CHOICE: the properties the user-list page says a collection cannot return (they are read from the user's
// profile service, not the directory), mailboxSettings, and signInActivity, which needs AuditLog.Read.All.
var userNotInFullObject = setOf("aboutMe", "birthday", "hireDate", "interests", "mySite", "pastProjects",
	"preferredName", "responsibilities", "schools", "skills", "mailboxSettings", "signInActivity")

// signInActivityRole is the permission $select=signInActivity needs (user resource, signInActivity).
const signInActivityRole = "AuditLog.Read.All"

func setOf(names ...string) map[string]bool {
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[n] = true
	}
	return out
}

func emptyList() []any { return []any{} }

// properties renders every catalogue property: what the emulator models, what was written, and otherwise
// the value of a fresh cloud-only user (null, or an empty collection).
func (u *user) properties() map[string]any {
	p := make(map[string]any, len(userCatalogue))
	for _, name := range userCatalogue {
		p[name] = nil
	}
	for _, name := range []string{"assignedLicenses", "assignedPlans", "businessPhones", "imAddresses", "interests",
		"licenseAssignmentStates", "onPremisesProvisioningErrors", "otherMails", "pastProjects", "provisionedPlans",
		"proxyAddresses", "responsibilities", "schools", "serviceProvisioningErrors", "skills"} {
		p[name] = emptyList()
	}
	ext := map[string]any{}
	for i := 1; i <= 15; i++ {
		ext[fmt.Sprintf("extensionAttribute%d", i)] = nil
	}
	created := graphTime(u.created)
	p["authorizationInfo"] = map[string]any{"certificateUserIds": emptyList()}
	p["onPremisesExtensionAttributes"] = ext
	p["deviceEnrollmentLimit"] = 1000
	p["id"] = u.id
	p["displayName"] = u.displayName
	p["userPrincipalName"] = u.upn
	p["mailNickname"] = u.mailNickname
	p["mail"] = nullable(u.mail)
	p["givenName"] = nullable(u.givenName)
	p["surname"] = nullable(u.surname)
	p["userType"] = u.userType
	p["creationType"] = nullable(u.creationType)
	p["accountEnabled"] = u.accountEnabled
	p["createdDateTime"] = created
	p["lastPasswordChangeDateTime"] = created
	p["signInSessionsValidFromDateTime"] = created
	p["securityIdentifier"] = securityIdentifier(u.id)
	p["identities"] = []any{map[string]any{"signInType": "userPrincipalName", "issuer": upnDomain(u.upn), "issuerAssignedId": u.upn}}
	if u.mail != "" {
		p["proxyAddresses"] = []any{"SMTP:" + u.mail}
	}
	if u.signInActivity != nil {
		activity := make(map[string]any, len(u.signInActivity))
		for k, v := range u.signInActivity {
			activity[k] = v
		}
		p["signInActivity"] = activity
	}
	for k, v := range u.extra {
		p[k] = v
	}
	return p
}

// fullObject is the representation getByIds returns (settings.getByIdsRepresentation "full").
func (u *user) fullObject() map[string]any {
	p := u.properties()
	for k := range userNotInFullObject {
		delete(p, k)
	}
	return p
}

func upnDomain(upn string) string {
	_, domain, _ := strings.Cut(upn, "@")
	return domain
}

// securityIdentifier is the cloud SID Entra derives from the object id: S-1-12-1 and the id's 16 bytes
// (in GUID byte order) as four little-endian sub-authorities.
func securityIdentifier(id string) string {
	raw, err := hex.DecodeString(strings.ReplaceAll(id, "-", ""))
	if err != nil || len(raw) != 16 {
		return ""
	}
	// GUID byte order: the first three groups are stored little-endian.
	b := []byte{raw[3], raw[2], raw[1], raw[0], raw[5], raw[4], raw[7], raw[6]}
	b = append(b, raw[8:]...)
	sub := func(i int) uint32 {
		return uint32(b[i]) | uint32(b[i+1])<<8 | uint32(b[i+2])<<16 | uint32(b[i+3])<<24
	}
	return fmt.Sprintf("S-1-12-1-%d-%d-%d-%d", sub(0), sub(4), sub(8), sub(12))
}

// UPN rules (ED concept-sspr-policy "Username policies"; the Microsoft 365 special-characters article).
const (
	upnMaxLength       = 113
	upnMaxLocalLength  = 64
	upnMaxDomainLength = 48
	upnLocalCharacters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'.-_!#^~"
	upnDomainChars     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-"
)

// Observed directory messages for a bad userPrincipalName (README "Sources").
const (
	upnInvalidMessage    = "Property userPrincipalName is invalid."
	upnNoAtSignMessage   = "One or more properties contains invalid values."
	requiredValueMessage = "Property %s value is required but is empty or missing."
	upnConflictMessage   = "Another object with the same value for property userPrincipalName already exists."
)

// checkUPN returns "" for an acceptable userPrincipalName, else the message Graph gives. With validate off
// only the shape local@domain is checked. allowDollar admits '$', which the documented character list
// lacks but the user-get page shows in UPNs ("When the userPrincipalName begins with a $ character").
func checkUPN(upn string, validate, allowDollar bool) string {
	local, domain, ok := strings.Cut(upn, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return upnNoAtSignMessage
	}
	if !validate {
		return ""
	}
	chars := upnLocalCharacters
	if allowDollar {
		chars += "$"
	}
	switch {
	case len(upn) > upnMaxLength, len(local) > upnMaxLocalLength, len(domain) > upnMaxDomainLength:
		return upnInvalidMessage
	case strings.HasSuffix(local, "."), strings.HasPrefix(local, "."):
		return upnInvalidMessage
	case strings.HasPrefix(domain, "."), strings.HasSuffix(domain, "."), strings.Contains(domain, ".."):
		return upnInvalidMessage
	}
	for _, r := range local {
		if !strings.ContainsRune(chars, r) {
			return upnInvalidMessage
		}
	}
	for _, r := range domain {
		if !strings.ContainsRune(upnDomainChars, r) {
			return upnInvalidMessage
		}
	}
	return ""
}

// storeWritable copies the documented writable properties of a POST/PATCH body into u.extra.
func (u *user) storeWritable(o jsonObject) error {
	for key, raw := range o {
		if !userWritable[key] {
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("%s", key)
		}
		if u.extra == nil {
			u.extra = map[string]any{}
		}
		u.extra[key] = v
	}
	return nil
}
