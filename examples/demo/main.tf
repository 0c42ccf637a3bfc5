# The demo that `make demo` applies against the local emulated tenant. The provider is configured entirely
# from the ARM_* variables of the emulator's env file, as it would be in a pipeline against a real tenant.
terraform {
  required_providers {
    entra = {
      source = "registry.terraform.io/entra-tap/entra"
    }
  }
}

provider "entra" {}

# 1. Tenant bootstrap: Temporary Access Pass for new starters and staff, never for the break-glass account.
resource "entra_temporary_access_pass_policy" "this" {
  enabled                     = true
  minimum_lifetime_in_minutes = 10
  default_lifetime_in_minutes = 60
  maximum_lifetime_in_minutes = 480
  default_length              = 12
  is_usable_once              = true

  include_targets = [
    { id = var.new_starters_group_id, target_type = "group" },
    { id = var.staff_group_id, target_type = "group" },
  ]
  exclude_targets = [{ id = var.breakglass_id, target_type = "user" }]
}

data "entra_temporary_access_pass_policy" "current" {
  depends_on = [entra_temporary_access_pass_policy.this]
}
