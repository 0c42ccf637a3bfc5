# Terraform 1.5 or later, and OpenTofu: adopt the tenant's existing policy into the resource. Its id is always
# TemporaryAccessPass; the tenant is the one the provider is configured for.
import {
  to = entra_temporary_access_pass_policy.this
  id = "TemporaryAccessPass"
}
