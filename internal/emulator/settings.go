package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Settings are the per-tenant switches for every emulator choice (README.md, "Emulator choices").
// The defaults are the choices; tests flip them to exercise the other plausible readings.
type Settings struct {
	LatencyMs             int     `json:"latencyMs"`
	ReplicationLagSeconds float64 `json:"replicationLagSeconds"`
	FaultSeed             int64   `json:"faultSeed"`

	RequirePolicyODataType bool   `json:"requirePolicyODataType"`
	ValidatePolicyRanges   bool   `json:"validatePolicyRanges"`
	RejectDuplicateTargets bool   `json:"rejectDuplicateTargets"`
	ValidateTargetIDs      bool   `json:"validateTargetIds"`
	TargetPrecedence       string `json:"targetPrecedence"`
	PolicyResetState       string `json:"policyResetState"`
	ValidateRootPolicy     bool   `json:"validateRootPolicy"`

	TAPRejectStatus                   int    `json:"tapRejectStatus"`
	AllowCreateWhenPolicyDisabled     bool   `json:"allowCreateWhenPolicyDisabled"`
	AllowCreateOutOfScope             bool   `json:"allowCreateOutOfScope"`
	OneTimePolicyViolation            string `json:"oneTimePolicyViolation"`
	StartDateTimePastToleranceSeconds int    `json:"startDateTimePastToleranceSeconds"`
	MaxStartDateTimeDays              int    `json:"maxStartDateTimeDays"`
	OmittedStartDateTime              string `json:"omittedStartDateTime"`
	ReportDisabledByPolicy            bool   `json:"reportDisabledByPolicy"`
	UsabilityReasonCase               string `json:"usabilityReasonCase"`
	TAPListIncludesODataType          bool   `json:"tapListIncludesODataType"`

	UnknownMethodErrorCode        string `json:"unknownMethodErrorCode"`
	UnknownUserOnMethodsErrorCode string `json:"unknownUserOnMethodsErrorCode"`
	PasswordDeleteStatus          int    `json:"passwordDeleteStatus"`
	MobileWithAlternateDelete     string `json:"mobileWithAlternateDelete"`
	DefaultMethodDelete           string `json:"defaultMethodDelete"`
	DefaultMethodDeleteScope      string `json:"defaultMethodDeleteScope"`
	SignInPromptedMethods         string `json:"signInPromptedMethods"`
	RejectTAPForDisabledUser      bool   `json:"rejectTapForDisabledUser"`

	RequirePermissionPairs         bool   `json:"requirePermissionPairs"`
	RequireUserCreateProperties    bool   `json:"requireUserCreateProperties"`
	ValidateUserPrincipalName      bool   `json:"validateUserPrincipalName"`
	AllowDollarInUserPrincipalName bool   `json:"allowDollarInUserPrincipalName"`
	DollarUserPath                 string `json:"dollarUserPath"`
	GetByIdsRepresentation         string `json:"getByIdsRepresentation"`

	// Delivery: manager, mail and Key Vault (manager.go, mail.go, keyvault.go).
	DeleteMissingManager          string `json:"deleteMissingManager"`
	UnknownSenderErrorCode        string `json:"unknownSenderErrorCode"`
	MailboxNotEnabledStatus       int    `json:"mailboxNotEnabledStatus"`
	GuestMailboxes                bool   `json:"guestMailboxes"`
	KeyVaultIDStyle               string `json:"keyVaultIdStyle"`
	KeyVaultAccessModel           string `json:"keyVaultAccessModel"`
	KeyVaultExpiredSecretGet      string `json:"keyVaultExpiredSecretGet"`
	KeyVaultUnknownSecretVersions string `json:"keyVaultUnknownSecretVersions"`
}

func defaultSettings() Settings {
	return Settings{
		FaultSeed:                     1,
		RequirePolicyODataType:        true,
		ValidatePolicyRanges:          true,
		RejectDuplicateTargets:        true,
		TargetPrecedence:              "exclude",
		PolicyResetState:              "disabled",
		ValidateRootPolicy:            true,
		TAPRejectStatus:               400,
		OneTimePolicyViolation:        "reject",
		OmittedStartDateTime:          "createdDateTime",
		ReportDisabledByPolicy:        true,
		UsabilityReasonCase:           "pascal",
		UnknownMethodErrorCode:        "itemNotFound",
		UnknownUserOnMethodsErrorCode: "Request_ResourceNotFound",
		PasswordDeleteStatus:          405,
		MobileWithAlternateDelete:     "reject",
		DefaultMethodDelete:           "blockAlways",
		DefaultMethodDeleteScope:      "phone",
		SignInPromptedMethods:         "registered",

		RequirePermissionPairs:         true,
		RequireUserCreateProperties:    true,
		ValidateUserPrincipalName:      true,
		AllowDollarInUserPrincipalName: true,
		DollarUserPath:                 "reject",
		GetByIdsRepresentation:         "full",
		DeleteMissingManager:           "notFound",
		UnknownSenderErrorCode:         "ErrorInvalidUser",
		MailboxNotEnabledStatus:        404,
		KeyVaultIDStyle:                "canonical",
		KeyVaultAccessModel:            "rbac",
		KeyVaultExpiredSecretGet:       "allow",
		KeyVaultUnknownSecretVersions:  "empty",
	}
}

func (s Settings) latency() time.Duration { return time.Duration(s.LatencyMs) * time.Millisecond }

func (s Settings) replicationLag() time.Duration {
	return time.Duration(s.ReplicationLagSeconds * float64(time.Second))
}

func (s Settings) validate() error {
	oneOf := func(name, v string, allowed ...string) error {
		for _, a := range allowed {
			if v == a {
				return nil
			}
		}
		return fmt.Errorf("%s must be one of %q", name, allowed)
	}
	switch {
	case s.LatencyMs < 0:
		return fmt.Errorf("latencyMs must not be negative")
	case s.ReplicationLagSeconds < 0:
		return fmt.Errorf("replicationLagSeconds must not be negative")
	case s.TAPRejectStatus < 400 || s.TAPRejectStatus > 599:
		return fmt.Errorf("tapRejectStatus must be a 4xx or 5xx status")
	case s.PasswordDeleteStatus != 400 && s.PasswordDeleteStatus != 405:
		return fmt.Errorf("passwordDeleteStatus must be 400 or 405")
	case s.StartDateTimePastToleranceSeconds < 0 || s.MaxStartDateTimeDays < 0:
		return fmt.Errorf("startDateTimePastToleranceSeconds and maxStartDateTimeDays must not be negative")
	case s.UnknownMethodErrorCode == "" || s.UnknownUserOnMethodsErrorCode == "":
		return fmt.Errorf("error codes must not be empty")
	case s.MailboxNotEnabledStatus != 400 && s.MailboxNotEnabledStatus != 403 && s.MailboxNotEnabledStatus != 404:
		return fmt.Errorf("mailboxNotEnabledStatus must be 400, 403 or 404")
	}
	for _, err := range []error{
		oneOf("targetPrecedence", s.TargetPrecedence, "exclude", "include"),
		oneOf("policyResetState", s.PolicyResetState, "disabled", "enabled", "keep"),
		oneOf("oneTimePolicyViolation", s.OneTimePolicyViolation, "reject", "coerce"),
		oneOf("omittedStartDateTime", s.OmittedStartDateTime, "createdDateTime", "null"),
		oneOf("usabilityReasonCase", s.UsabilityReasonCase, "pascal", "camel"),
		oneOf("mobileWithAlternateDelete", s.MobileWithAlternateDelete, "reject", "allow"),
		oneOf("defaultMethodDelete", s.DefaultMethodDelete, "blockWhileOthers", "blockAlways", "allow"),
		oneOf("defaultMethodDeleteScope", s.DefaultMethodDeleteScope, "phone", "any"),
		oneOf("signInPromptedMethods", s.SignInPromptedMethods, "registered", "none"),
		oneOf("dollarUserPath", s.DollarUserPath, "reject", "rejectLiteral", "allow"),
		oneOf("getByIdsRepresentation", s.GetByIdsRepresentation, "full", "default"),
		oneOf("deleteMissingManager", s.DeleteMissingManager, "notFound", "noContent"),
		oneOf("unknownSenderErrorCode", s.UnknownSenderErrorCode, "ErrorInvalidUser", "ResourceNotFound"),
		oneOf("keyVaultIdStyle", s.KeyVaultIDStyle, "canonical", "emulator"),
		oneOf("keyVaultAccessModel", s.KeyVaultAccessModel, "rbac", "open", "deny"),
		oneOf("keyVaultExpiredSecretGet", s.KeyVaultExpiredSecretGet, "allow", "forbid"),
		oneOf("keyVaultUnknownSecretVersions", s.KeyVaultUnknownSecretVersions, "empty", "notFound"),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// patchSettings merges a JSON object into current. Unknown keys are rejected so a typo is not silently ignored.
func patchSettings(current Settings, body []byte) (Settings, error) {
	next := current
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(&next); err != nil {
		return current, fmt.Errorf("invalid settings: %v", err)
	}
	if err := next.validate(); err != nil {
		return current, err
	}
	return next, nil
}
