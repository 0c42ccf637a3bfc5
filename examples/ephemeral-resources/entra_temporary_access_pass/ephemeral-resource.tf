# The managed resource issues the pass and hands it over; this ephemeral resource gives it, once, to another
# provider's write-only argument. Nothing is stored in the state or the plan.
resource "entra_temporary_access_pass" "onboarding" {
  user_id             = "ada.lovelace@contoso.com"
  start_date_time     = "2026-12-07T08:00:00+01:00"
  lifetime_in_minutes = 480
  delivery            = { ephemeral = true }
}

ephemeral "entra_temporary_access_pass" "onboarding" {
  pass_id  = entra_temporary_access_pass.onboarding.id
  applying = terraform.applying
}

resource "azurerm_key_vault_secret" "onboarding" {
  name         = "tap-ada-lovelace"
  key_vault_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/identity/providers/Microsoft.KeyVault/vaults/contoso-onboarding"
  value_wo     = ephemeral.entra_temporary_access_pass.onboarding.temporary_access_pass
  # The consumer takes a pass exactly when a new one is issued, and never otherwise.
  value_wo_version = entra_temporary_access_pass.onboarding.version
  content_type     = "Temporary Access Pass, sign in at https://aka.ms/mysecurityinfo"
}
