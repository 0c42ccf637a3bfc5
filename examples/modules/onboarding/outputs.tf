output "policy" {
  description = "The Temporary Access Pass policy as written to the tenant."
  value = {
    default_lifetime_in_minutes = entra_temporary_access_pass_policy.this.default_lifetime_in_minutes
    minimum_lifetime_in_minutes = entra_temporary_access_pass_policy.this.minimum_lifetime_in_minutes
    maximum_lifetime_in_minutes = entra_temporary_access_pass_policy.this.maximum_lifetime_in_minutes
    is_usable_once              = entra_temporary_access_pass_policy.this.is_usable_once
  }
}

output "new_hires_without_methods" {
  description = "Upcoming hires who have registered nothing but a password: they need a pass on day one."
  value       = sort([for upn, m in data.entra_user_authentication_methods.new_hire : upn if length(setsubtract(m.method_types, ["password"])) == 0])
}

output "new_hires_holding_a_pass" {
  description = "Upcoming hires who already hold a Temporary Access Pass."
  value       = sort([for upn, m in data.entra_user_authentication_methods.new_hire : upn if m.temporary_access_pass != null])
}
