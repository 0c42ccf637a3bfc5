variable "new_starters_group_id" {
  description = "Object id of the group whose members may receive a Temporary Access Pass."
  type        = string
}

variable "break_glass_user_ids" {
  description = "Object ids of the emergency access accounts that must never receive a pass."
  type        = set(string)
}

# Enable Temporary Access Pass for new starters: 8-hour default for day one, 10-minute minimum for
# helpdesk calls, one-time passes only, and never for the break-glass accounts.
resource "entra_temporary_access_pass_policy" "this" {
  enabled                     = true
  minimum_lifetime_in_minutes = 10
  default_lifetime_in_minutes = 480
  maximum_lifetime_in_minutes = 480
  default_length              = 12
  is_usable_once              = true

  include_targets = [{
    id          = var.new_starters_group_id
    target_type = "group"
  }]

  exclude_targets = [for id in var.break_glass_user_ids : {
    id          = id
    target_type = "user"
  }]
}
