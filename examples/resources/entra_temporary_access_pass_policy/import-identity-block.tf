# Terraform 1.12 or later.
import {
  to = entra_temporary_access_pass_policy.this
  identity = {
    id = "TemporaryAccessPass"
  }
}
