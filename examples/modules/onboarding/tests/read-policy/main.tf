# A helper module for the tests: reads the tenant's policy back after the module under test wrote it.
terraform {
  required_providers {
    entra = {
      source = "registry.terraform.io/entra-tap/entra"
    }
  }
}

data "entra_temporary_access_pass_policy" "current" {}
