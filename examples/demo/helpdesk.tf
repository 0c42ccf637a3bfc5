# 3. Helpdesk call: Grace gets a one-time pass that works for 10 minutes. The agent reads it with
#    `terraform output -raw helpdesk_pass`, so this one is the managed resource: its pass is in state,
#    and destroy revokes it.
resource "entra_temporary_access_pass" "helpdesk" {
  user_id             = var.grace_upn
  lifetime_in_minutes = 10
  is_usable_once      = true
  depends_on          = [entra_temporary_access_pass_policy.this]
}

output "helpdesk_pass" {
  value     = entra_temporary_access_pass.helpdesk.temporary_access_pass
  sensitive = true
}

output "helpdesk_pass_expires" {
  value = entra_temporary_access_pass.helpdesk.expiration_date_time
}
