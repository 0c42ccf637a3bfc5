# The full source address on purpose: OpenTofu expands a short "entra-tap/entra" to its own registry
# (registry.opentofu.org), Terraform to registry.terraform.io. Written out, both CLIs install the same provider.
terraform {
  # Import blocks with an identity are new in Terraform 1.12 (OpenTofu has none).
  required_version = ">= 1.12"

  required_providers {
    entra = {
      source = "registry.terraform.io/entra-tap/entra"
    }
  }
}
