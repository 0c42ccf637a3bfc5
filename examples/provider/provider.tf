# The full source address on purpose: OpenTofu expands a short "entra-tap/entra" to its own registry
# (registry.opentofu.org), Terraform to registry.terraform.io. Written out, both CLIs install the same provider.
terraform {
  required_providers {
    entra = {
      source = "registry.terraform.io/entra-tap/entra"
    }
  }
}

# Every argument can come from the ARM_* environment variables instead (see Authentication below); with
# `az login` on a workstation, `provider "entra" {}` is enough.
provider "entra" {
  tenant_id = "00000000-0000-0000-0000-000000000000"
}
