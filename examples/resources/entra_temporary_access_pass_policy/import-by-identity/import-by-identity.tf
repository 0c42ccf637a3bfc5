# Terraform 1.12 or later: import by resource identity. The policy is a tenant singleton, so its identity is
# always the same id; the tenant is the one the provider is configured for.
import {
  to = entra_temporary_access_pass_policy.this
  identity = {
    id = "TemporaryAccessPass"
  }
}
