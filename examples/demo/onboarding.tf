# 2. Onboarding: Ada's pass starts at 08:00 on her first day and lasts her working day. The provider mails it
#    to her manager and writes it into the onboarding vault, in the same step that issues it; the state records
#    where it went, never the pass. Plan checks everything (policy, scope, lifetime, sender, manager) and issues
#    nothing; a re-apply sends nothing; if a delivery fails, the pass is revoked.
resource "entra_temporary_access_pass" "onboarding" {
  user_id             = var.ada_upn
  start_date_time     = var.hire_start
  lifetime_in_minutes = 480
  depends_on          = [entra_temporary_access_pass_policy.this]

  delivery = {
    email = {
      sender     = var.onboarding_upn
      to_manager = true
      time_zone  = "Europe/Paris"
    }
    key_vault = {
      vault_uri   = var.onboarding_vault_uri
      secret_name = "tap-ada-lovelace"
    }
  }
}

# 3. A contractor's pass handed to another provider's write-only argument, through the ephemeral resource:
#    here a private file stands in for, say, azurerm_key_vault_secret's value_wo. The consumer takes a pass
#    exactly when the version changes, and the ephemeral resource has one to give exactly then.
resource "entra_temporary_access_pass" "contractor" {
  user_id             = var.bob_upn
  lifetime_in_minutes = 480
  delivery            = { ephemeral = true }
  depends_on          = [entra_temporary_access_pass_policy.this]
}

ephemeral "entra_temporary_access_pass" "contractor" {
  pass_id  = entra_temporary_access_pass.contractor.id
  applying = terraform.applying
}

resource "terraform_data" "contractor_agency" {
  triggers_replace = entra_temporary_access_pass.contractor.version

  provisioner "local-exec" {
    command     = "umask 077 && printf '%s' \"$PASS\" > \"${var.delivery_dir}/contractor.pass\""
    environment = { PASS = ephemeral.entra_temporary_access_pass.contractor.temporary_access_pass }
  }
}
