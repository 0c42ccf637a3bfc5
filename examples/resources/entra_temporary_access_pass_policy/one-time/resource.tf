# One-time passes only, for everyone: a pass stops working after its first sign-in.
resource "entra_temporary_access_pass_policy" "this" {
  enabled        = true
  is_usable_once = true

  include_targets = [{ id = "all_users", target_type = "group" }]
}
