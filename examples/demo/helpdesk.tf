# 4. Helpdesk call: Grace gets a one-time pass that works for 10 minutes, mailed to the helpdesk mailbox, where
#    the agent reads it out. Destroy revokes it. (With Terraform 1.14 or later, the agent would rather run the
#    entra_temporary_access_pass_issue action: `make demo` does so when the CLI supports actions.)
resource "entra_temporary_access_pass" "helpdesk" {
  user_id             = var.grace_upn
  lifetime_in_minutes = 10
  is_usable_once      = true
  depends_on          = [entra_temporary_access_pass_policy.this]

  delivery = {
    email = {
      sender = var.helpdesk_upn
      to     = [var.helpdesk_mail]
    }
  }
}
