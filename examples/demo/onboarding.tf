# 2. Onboarding: Ada gets a pass that starts at 08:00 on her first day and lasts her working day.
#    Plan validates it against the tenant and issues nothing; apply issues it once; a re-apply keeps it.
ephemeral "entra_temporary_access_pass" "onboarding" {
  user_id             = var.ada_upn
  start_date_time     = var.hire_start
  lifetime_in_minutes = 480
  issue               = terraform.applying
  depends_on          = [entra_temporary_access_pass_policy.this]
}

# Delivery: the pass goes straight from Graph to the channel, never to state. With a real tenant this is a
# write-only argument, e.g. azurerm_key_vault_secret.value_wo; here, a private file per user.
resource "terraform_data" "deliver" {
  for_each = {
    onboarding = var.ada_upn
    recovery   = var.linus_upn
  }
  input = each.value

  provisioner "local-exec" {
    command = "umask 077 && printf '%s' \"$PASS\" > \"${var.delivery_dir}/${each.key}.pass\""
    environment = {
      PASS = each.key == "onboarding" ? ephemeral.entra_temporary_access_pass.onboarding.temporary_access_pass : ephemeral.entra_temporary_access_pass.recovery.temporary_access_pass
    }
  }
}
