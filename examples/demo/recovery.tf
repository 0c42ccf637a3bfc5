# 5. Recovery: Linus lost his FIDO2 key and the phone with Authenticator. See his methods, issue a 10-minute
#    one-time pass, mail it to the helpdesk, and only then remove the lost methods: nothing is removed while
#    planning, nor if the pass cannot be issued or delivered.
data "entra_user_authentication_methods" "linus" {
  user_id = var.linus_upn
}

resource "entra_temporary_access_pass" "recovery" {
  user_id             = var.linus_upn
  lifetime_in_minutes = 10
  is_usable_once      = true
  remove_methods      = ["fido2", "microsoftAuthenticator"]
  depends_on          = [entra_temporary_access_pass_policy.this]

  delivery = {
    email = {
      sender  = var.helpdesk_upn
      to      = [var.helpdesk_mail]
      subject = "Recovery pass for {{user_display_name}}"
    }
  }
}

output "linus_methods_before_recovery" {
  value = [for m in data.entra_user_authentication_methods.linus.methods : "${m.type} ${coalesce(m.display_name, m.email_address, m.id)}"]
}
