import {
  to = entra_temporary_access_pass_policy.this
  id = "TemporaryAccessPass"
}
