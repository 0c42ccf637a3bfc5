# 4. Recovery: Linus lost his FIDO2 key and the phone with Authenticator. See his methods, remove the lost
#    ones and issue a 10-minute one-time pass, in one step: nothing is removed while planning.
data "entra_user_authentication_methods" "linus" {
  user_id = var.linus_upn
}

ephemeral "entra_temporary_access_pass" "recovery" {
  user_id             = var.linus_upn
  lifetime_in_minutes = 10
  is_usable_once      = true
  remove_methods      = ["fido2", "microsoftAuthenticator"]
  issue               = terraform.applying
  depends_on          = [entra_temporary_access_pass_policy.this]
}

output "linus_methods_before_recovery" {
  value = [for m in data.entra_user_authentication_methods.linus.methods : "${m.type} ${coalesce(m.display_name, m.email_address, m.id)}"]
}
