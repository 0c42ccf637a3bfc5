# The demo that `make demo` applies against the local emulated tenant. The provider is configured
# entirely from the ARM_* variables of the emulator's env file, as it would be for a real tenant.
terraform {
  required_providers {
    entra = {
      source = "registry.terraform.io/entra-tap/entra"
    }
  }
}

provider "entra" {}

data "entra_temporary_access_pass_policy" "current" {}

output "tenant_tap_policy" {
  description = "The emulated tenant's Temporary Access Pass policy, read through the provider."
  value       = data.entra_temporary_access_pass_policy.current
}
