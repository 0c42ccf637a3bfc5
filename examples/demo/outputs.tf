output "tenant_tap_policy" {
  description = "The tenant's Temporary Access Pass policy, read back through the provider."
  value = {
    enabled   = data.entra_temporary_access_pass_policy.current.enabled
    lifetimes = "${data.entra_temporary_access_pass_policy.current.minimum_lifetime_in_minutes}-${data.entra_temporary_access_pass_policy.current.maximum_lifetime_in_minutes} minutes (default ${data.entra_temporary_access_pass_policy.current.default_lifetime_in_minutes})"
    length    = data.entra_temporary_access_pass_policy.current.default_length
    one_time  = data.entra_temporary_access_pass_policy.current.is_usable_once
  }
}

output "where_the_passes_went" {
  description = "What the state records of each delivery: where and when, never the pass."
  value = {
    for name, p in {
      onboarding = entra_temporary_access_pass.onboarding, contractor = entra_temporary_access_pass.contractor,
      helpdesk   = entra_temporary_access_pass.helpdesk, recovery = entra_temporary_access_pass.recovery,
    } : name => [for d in p.deliveries : "${d.channel}: ${d.destination}"]
  }
}
