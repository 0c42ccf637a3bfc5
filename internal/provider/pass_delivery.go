package provider

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"time"
	_ "time/tzdata" // IANA time zones on every platform, for delivery.email.time_zone

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/entra-tap/terraform-provider-entra/internal/delivery"
	"github.com/entra-tap/terraform-provider-entra/internal/graph"
	"github.com/entra-tap/terraform-provider-entra/internal/issuance"
)

// The delivery configuration, shared by the managed pass and the helpdesk action.

type passDelivery struct {
	Ephemeral types.Bool   `tfsdk:"ephemeral"`
	Email     types.Object `tfsdk:"email"`
	KeyVault  types.Object `tfsdk:"key_vault"`
}

type emailDelivery struct {
	Sender    types.String `tfsdk:"sender"`
	ToManager types.Bool   `tfsdk:"to_manager"`
	To        types.List   `tfsdk:"to"`
	TimeZone  types.String `tfsdk:"time_zone"`
	Subject   types.String `tfsdk:"subject"`
	Body      types.String `tfsdk:"body"`
}

type keyVaultDelivery struct {
	VaultURI    types.String `tfsdk:"vault_uri"`
	SecretName  types.String `tfsdk:"secret_name"`
	ContentType types.String `tfsdk:"content_type"`
}

var (
	emailAttrTypes = map[string]attr.Type{
		"sender": types.StringType, "to_manager": types.BoolType, "to": types.ListType{ElemType: types.StringType},
		"time_zone": types.StringType, "subject": types.StringType, "body": types.StringType,
	}
	keyVaultAttrTypes = map[string]attr.Type{"vault_uri": types.StringType, "secret_name": types.StringType, "content_type": types.StringType}
	deliveryAttrTypes = map[string]attr.Type{
		"ephemeral": types.BoolType, "email": types.ObjectType{AttrTypes: emailAttrTypes}, "key_vault": types.ObjectType{AttrTypes: keyVaultAttrTypes},
	}
)

// Descriptions of the delivery attributes, shared by the resource's and the action's schemas.
const (
	descDelivery  = "Where the pass is delivered. With a delivery, the pass is never stored in the state or the plan; without one, the managed resource stores it in `temporary_access_pass`."
	descEphemeral = "Hand the pass, once, to the `entra_temporary_access_pass` ephemeral resource whose `pass_id` is this resource's `id`, for another provider's " +
		"write-only argument. The pass lives only in the provider's memory until Terraform has confirmed that every consumer of the ephemeral resource " +
		"succeeded; when a consumer fails, or nothing reads the pass, the provider revokes it at the end of the run and the next apply issues a new one. " +
		"Cannot be combined with `email` or `key_vault`."
	descEmail = "Email the pass from a mailbox of the tenant (Microsoft Graph `sendMail`, not kept in the sender's Sent Items), to the user's manager and/or named " +
		"addresses. Needs the application permission `Mail.Send`; restrict it to the sender's mailbox with an Exchange Online application access policy " +
		"(`New-ApplicationAccessPolicy -AccessRight RestrictAccess`) or RBAC for Applications."
	descSender    = "The mailbox that sends the message: a user principal name or object id of the tenant, with a mailbox (a `mail` address). Checked while planning."
	descToManager = "Send to the user's manager, read from the directory (checked while planning: the user has a manager with a mail address; read again when sending)."
	descTo        = "Mail addresses to send to, e.g. an IT onboarding mailbox."
	descTimeZone  = "The IANA time zone in which the message gives the validity window, e.g. `Europe/Paris`. Defaults to `UTC`."
	descSubject   = "The subject, with placeholders written `{{name}}`: " + placeholderDoc + ". Defaults to `" + delivery.DefaultSubject + "`."
	descBody      = "The plain-text body, with the same placeholders; it must contain `{{pass}}`. Defaults to a message giving the pass, the sign-in link, " +
		"the validity window and whether the pass is one-time."
	descKeyVault    = "Write the pass into an Azure Key Vault secret (a new version), with the provider's sign-in: not usable before the pass starts, expiring with it, tagged with the user and the sign-in link. Needs the `Key Vault Secrets Officer` role on the vault (Azure RBAC) or a secret `set` permission."
	descVaultURI    = "The vault URI, e.g. `https://contoso-onboarding.vault.azure.net/` (US Government: `.vault.usgovcloudapi.net`, China: `.vault.azure.cn`)."
	descSecretName  = "The secret's name: letters, digits and dashes, at most 127."
	descContentType = "The secret's content type. Defaults to `Temporary Access Pass`."
	placeholderDoc  = "`{{pass}}`, `{{user_display_name}}`, `{{user_principal_name}}`, `{{sign_in_url}}`, `{{start}}`, `{{expiry}}`, `{{time_zone}}`, `{{lifetime_in_minutes}}`, `{{usage}}`"
)

// deliveryFrom reads the delivery object of the resource or of the action (whose schema has no ephemeral).
func deliveryFrom(_ context.Context, obj types.Object, _ *diag.Diagnostics) passDelivery {
	d := passDelivery{Ephemeral: types.BoolNull(), Email: types.ObjectNull(emailAttrTypes), KeyVault: types.ObjectNull(keyVaultAttrTypes)}
	if obj.IsNull() || obj.IsUnknown() {
		return d
	}
	attrs := obj.Attributes()
	if v, ok := attrs["ephemeral"].(types.Bool); ok {
		d.Ephemeral = v
	}
	if v, ok := attrs["email"].(types.Object); ok {
		d.Email = v
	}
	if v, ok := attrs["key_vault"].(types.Object); ok {
		d.KeyVault = v
	}
	return d
}

func (d passDelivery) email(ctx context.Context, diags *diag.Diagnostics) *emailDelivery {
	if d.Email.IsNull() || d.Email.IsUnknown() {
		return nil
	}
	var e emailDelivery
	diags.Append(d.Email.As(ctx, &e, basetypes.ObjectAsOptions{})...)
	return &e
}

func (d passDelivery) keyVault(ctx context.Context, diags *diag.Diagnostics) *keyVaultDelivery {
	if d.KeyVault.IsNull() || d.KeyVault.IsUnknown() {
		return nil
	}
	var k keyVaultDelivery
	diags.Append(d.KeyVault.As(ctx, &k, basetypes.ObjectAsOptions{})...)
	return &k
}

// storesPass says whether the pass goes into the state: only when no delivery channel is configured.
func (d passDelivery) storesPass() bool {
	return !d.Ephemeral.ValueBool() && d.Email.IsNull() && d.KeyVault.IsNull()
}

// direct says whether the provider itself delivers (and so confirms delivery before anything is removed).
func (d passDelivery) direct() bool { return !d.Email.IsNull() || !d.KeyVault.IsNull() }

// validateDelivery checks the delivery configuration without Graph: every problem is an error on its attribute.
// handoverAllowed is false for the action, whose schema has no delivery.ephemeral.
func validateDelivery(ctx context.Context, root path.Path, obj types.Object, handoverAllowed bool, diags *diag.Diagnostics) {
	if obj.IsNull() || obj.IsUnknown() {
		return
	}
	d := deliveryFrom(ctx, obj, diags)
	if diags.HasError() {
		return
	}
	switch {
	case !d.Ephemeral.ValueBool() && !d.direct() && !d.Ephemeral.IsUnknown() && !handoverAllowed:
		diags.AddAttributeError(root, "No delivery channel", "delivery names no channel. Set delivery.email, delivery.key_vault, or both.")
	case !d.Ephemeral.ValueBool() && !d.direct() && !d.Ephemeral.IsUnknown():
		diags.AddAttributeError(root, "No delivery channel",
			"delivery is set but names no channel. Set delivery.email or delivery.key_vault for the provider to deliver the pass, or delivery.ephemeral = true "+
				"to hand it to the entra_temporary_access_pass ephemeral resource; or remove delivery to keep the pass in the state.")
	case d.Ephemeral.ValueBool() && d.direct():
		diags.AddAttributeError(root.AtName("ephemeral"), "A hand-over cannot be combined with other deliveries",
			"With delivery.ephemeral, the provider revokes the pass when Terraform does not confirm its consumers, which would leave the mailed or vaulted copy dead. "+
				"Choose the hand-over, or email and Key Vault.")
	}
	if e := d.email(ctx, diags); e != nil {
		at := root.AtName("email")
		if !e.ToManager.ValueBool() && (e.To.IsNull() || len(e.To.Elements()) == 0) && !e.ToManager.IsUnknown() && !e.To.IsUnknown() {
			diags.AddAttributeError(at, "No recipient", "Send the pass to the user's manager (to_manager = true), to named addresses (to), or both.")
		}
		if !e.To.IsNull() && !e.To.IsUnknown() {
			for i, v := range e.To.Elements() {
				s, ok := v.(types.String)
				if !ok || s.IsUnknown() {
					continue
				}
				if a, err := mail.ParseAddress(s.ValueString()); err != nil || a.Address != s.ValueString() {
					diags.AddAttributeError(at.AtName("to").AtListIndex(i), "Invalid mail address", fmt.Sprintf("%q is not a mail address such as it-onboarding@contoso.com.", s.ValueString()))
				}
			}
		}
		if tz := e.TimeZone.ValueString(); tz != "" {
			if _, err := time.LoadLocation(tz); err != nil {
				diags.AddAttributeError(at.AtName("time_zone"), "Unknown time zone", fmt.Sprintf("%q is not an IANA time zone name; write one such as Europe/Paris, America/New_York or UTC.", tz))
			}
		}
		for name, v := range map[string]types.String{"subject": e.Subject, "body": e.Body} {
			if v.IsNull() || v.IsUnknown() {
				continue
			}
			for _, problem := range delivery.CheckTemplate(v.ValueString(), name == "body") {
				diags.AddAttributeError(at.AtName(name), "Invalid message template", fmt.Sprintf("The %s: %s.", name, problem))
			}
		}
	}
	if k := d.keyVault(ctx, diags); k != nil {
		at := root.AtName("key_vault")
		if !k.VaultURI.IsUnknown() {
			if problem := delivery.CheckVaultURI(k.VaultURI.ValueString()); problem != "" {
				diags.AddAttributeError(at.AtName("vault_uri"), "Invalid vault URI", problem+".")
			}
		}
		if !k.SecretName.IsUnknown() && !delivery.SecretName.MatchString(k.SecretName.ValueString()) {
			diags.AddAttributeError(at.AtName("secret_name"), "Invalid secret name",
				fmt.Sprintf("%q is not a Key Vault secret name: use letters, digits and dashes, at most 127, e.g. tap-ada.", k.SecretName.ValueString()))
		}
	}
}

// checkDeliveryAgainstTenant runs the plan-time checks that need Graph: the sender has a mailbox; the user has a
// manager with a mail address when the manager is asked for. It only reads.
func checkDeliveryAgainstTenant(ctx context.Context, g *graph.Client, root path.Path, d passDelivery, user graph.User, diags *diag.Diagnostics) {
	e := d.email(ctx, diags)
	if e == nil {
		return
	}
	at := root.AtName("email")
	if sender := e.Sender.ValueString(); sender != "" && !e.Sender.IsUnknown() {
		mb, err := g.GetMailbox(ctx, sender)
		switch {
		case errors.Is(err, graph.ErrNotFound):
			diags.AddAttributeError(at.AtName("sender"), "Sender not found", fmt.Sprintf("No user %q exists in the tenant to send the pass from: name a user or shared mailbox of the tenant.", sender))
		case err != nil:
			addGraphError(diags, "Could not check the sender's mailbox", err)
		case mb.Mail == "":
			diags.AddAttributeError(at.AtName("sender"), "Sender has no mailbox",
				fmt.Sprintf("%s has no mail address, so no mailbox to send from: give it an Exchange Online mailbox, or name another sender.", mb.UserPrincipalName))
		}
	}
	if e.ToManager.ValueBool() {
		if _, err := (delivery.Email{Graph: g, ToManager: true}).Recipients(ctx, user.ID); err != nil {
			if _, ok := graph.AsError(err); ok {
				addGraphError(diags, "Could not read the user's manager", err)
			} else {
				diags.AddAttributeError(at.AtName("to_manager"), "No manager to send to", fmt.Sprintf("%s: %v.", user.UserPrincipalName, err))
			}
		}
	}
}

// deliveriesFor builds the channels of a delivery configuration.
func (d *providerData) deliveriesFor(ctx context.Context, pd passDelivery, diags *diag.Diagnostics) []issuance.Delivery {
	var out []issuance.Delivery
	if pd.Ephemeral.ValueBool() {
		out = append(out, ephemeralHandover{data: d})
	}
	if e := pd.email(ctx, diags); e != nil {
		loc := time.UTC
		if tz := e.TimeZone.ValueString(); tz != "" {
			if l, err := time.LoadLocation(tz); err == nil {
				loc = l
			}
		}
		var to []string
		diags.Append(e.To.ElementsAs(ctx, &to, true)...)
		out = append(out, delivery.Email{Graph: d.graph, Sender: e.Sender.ValueString(), ToManager: e.ToManager.ValueBool(), To: to,
			Location: loc, Subject: e.Subject.ValueString(), Body: e.Body.ValueString()})
	}
	if k := pd.keyVault(ctx, diags); k != nil {
		kv, err := delivery.NewKeyVault(k.VaultURI.ValueString(), k.SecretName.ValueString(), k.ContentType.ValueString(), d.cred, nil)
		if err != nil {
			diags.AddAttributeError(path.Root("delivery").AtName("key_vault"), "Could not set up the Key Vault delivery", err.Error())
			return nil
		}
		out = append(out, kv)
	}
	return out
}
