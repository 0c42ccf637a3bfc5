# Read the tenant's Temporary Access Pass policy, e.g. to size a pass to the policy's limits.
data "entra_temporary_access_pass_policy" "current" {}

output "tap_lifetime_range" {
  value = {
    enabled = data.entra_temporary_access_pass_policy.current.enabled
    minimum = data.entra_temporary_access_pass_policy.current.minimum_lifetime_in_minutes
    default = data.entra_temporary_access_pass_policy.current.default_lifetime_in_minutes
    maximum = data.entra_temporary_access_pass_policy.current.maximum_lifetime_in_minutes
  }
}
