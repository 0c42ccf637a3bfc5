# The same hand-over into HashiCorp Vault, with the sign-in link and the expiry beside the pass.
resource "entra_temporary_access_pass" "onboarding" {
  user_id             = "ada.lovelace@contoso.com"
  lifetime_in_minutes = 480
  delivery            = { ephemeral = true }
}

ephemeral "entra_temporary_access_pass" "onboarding" {
  pass_id  = entra_temporary_access_pass.onboarding.id
  applying = terraform.applying
}

resource "vault_kv_secret_v2" "onboarding" {
  mount = "onboarding"
  name  = "tap/ada.lovelace"
  data_json_wo = jsonencode({
    temporary_access_pass = ephemeral.entra_temporary_access_pass.onboarding.temporary_access_pass
    sign_in_url           = ephemeral.entra_temporary_access_pass.onboarding.sign_in_url
    expires               = ephemeral.entra_temporary_access_pass.onboarding.expiration_date_time
  })
  data_json_wo_version = entra_temporary_access_pass.onboarding.version
}
