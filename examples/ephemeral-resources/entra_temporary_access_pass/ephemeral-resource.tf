variable "new_hire_upn" {
  type = string
}

# Plan validates the request against the live tenant and issues nothing; apply issues the pass once.
ephemeral "entra_temporary_access_pass" "onboarding" {
  user_id             = var.new_hire_upn
  start_date_time     = "2026-12-07T08:00:00+01:00" # 08:00 in Paris on the first day
  lifetime_in_minutes = 480                         # one working day
  issue               = terraform.applying
}

# Deliver the pass without storing it: a write-only argument of another provider, here an Azure Key Vault
# secret (azurerm 4.x, Terraform 1.11+). Bump value_wo_version to deliver a new pass.
resource "azurerm_key_vault_secret" "onboarding_pass" {
  name             = "tap-${replace(var.new_hire_upn, "/[^a-zA-Z0-9-]/", "-")}"
  key_vault_id     = "/subscriptions/.../resourceGroups/identity/providers/Microsoft.KeyVault/vaults/onboarding"
  value_wo         = ephemeral.entra_temporary_access_pass.onboarding.temporary_access_pass
  value_wo_version = 1
  content_type     = "Temporary Access Pass, sign in at https://aka.ms/mysecurityinfo"
  expiration_date  = "2026-12-07T15:00:00Z"
}
