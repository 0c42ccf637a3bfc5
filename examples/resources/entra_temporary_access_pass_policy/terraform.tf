# The full source address on purpose: OpenTofu expands a short "entra-tap/entra" to its own registry
# (registry.opentofu.org), Terraform to registry.terraform.io. Written out, both CLIs install the same provider.
terraform {
  required_providers {
    entra = {
      source = "registry.terraform.io/entra-tap/entra"
    }
  }
}
