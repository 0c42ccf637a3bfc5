# Onboarding with Temporary Access Pass: the tenant's policy for new starters, and a report of which of the
# upcoming hires have no method yet. The provider is configured by the caller (or by ARM_* variables).

resource "entra_temporary_access_pass_policy" "this" {
  enabled                     = true
  minimum_lifetime_in_minutes = var.helpdesk_minutes
  default_lifetime_in_minutes = var.day_one_hours * 60
  maximum_lifetime_in_minutes = var.day_one_hours * 60
  default_length              = 12
  is_usable_once              = var.one_time

  include_targets = [for id in var.new_starter_group_ids : { id = id, target_type = "group" }]
  exclude_targets = [for id in var.break_glass_user_ids : { id = id, target_type = "user" }]

  lifecycle {
    precondition {
      condition     = var.helpdesk_minutes <= var.day_one_hours * 60
      error_message = "helpdesk_minutes must not be longer than day_one_hours."
    }
  }
}

data "entra_user_authentication_methods" "new_hire" {
  for_each = var.new_hires
  user_id  = each.value
}
