# Keep the tenant's lifetimes and targets as they are, but make sure Temporary Access Pass is on and that the
# emergency access accounts can never be issued a pass.
resource "entra_temporary_access_pass_policy" "this" {
  enabled = true

  exclude_targets = [
    { id = "3c7f0c5e-1d9a-4f63-9b1e-5a2f8e4d7c10", target_type = "user" }, # breakglass1@contoso.com
    { id = "8e2b6a41-7f3d-4c8e-a5b9-0d1c2e3f4a5b", target_type = "user" }, # breakglass2@contoso.com
  ]
}
