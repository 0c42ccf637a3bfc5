# The configuration the import is planned against: settings left out keep the tenant's current values.
resource "entra_temporary_access_pass_policy" "this" {
  enabled = true
}
