# The full source address on purpose: OpenTofu expands a short "entra-tap/entra" to its own registry
# (registry.opentofu.org), Terraform to registry.terraform.io. Written out, both CLIs install the same provider.
terraform {
  required_version = ">= 1.11" # write-only arguments
  required_providers {
    entra = {
      source = "registry.terraform.io/entra-tap/entra"
    }
    vault = {
      source  = "hashicorp/vault"
      version = ">= 5.0" # data_json_wo on vault_kv_secret_v2
    }
  }
}
