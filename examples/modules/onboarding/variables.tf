variable "new_starter_group_ids" {
  description = "Object ids of the groups whose members may be issued a Temporary Access Pass."
  type        = set(string)

  validation {
    condition     = length(var.new_starter_group_ids) > 0
    error_message = "Name at least one group: a policy with no targets lets nobody receive a pass."
  }
}

variable "break_glass_user_ids" {
  description = "Object ids of the emergency access accounts that must never be issued a pass."
  type        = set(string)
  default     = []
}

variable "new_hires" {
  description = "User principal names of the people starting soon: the module reports which of them have registered no method yet and so need a pass on day one."
  type        = set(string)
  default     = []
}

variable "day_one_hours" {
  description = "Lifetime of a day-one pass, in hours: the policy's default and maximum lifetime."
  type        = number
  default     = 8

  validation {
    condition     = var.day_one_hours >= 1 && var.day_one_hours <= 720 && floor(var.day_one_hours) == var.day_one_hours
    error_message = "day_one_hours must be a whole number of hours between 1 and 720 (30 days, the longest pass Entra issues)."
  }
}

variable "helpdesk_minutes" {
  description = "Shortest lifetime a pass may be issued with, in minutes, e.g. for a helpdesk call: the policy's minimum."
  type        = number
  default     = 10

  validation {
    condition     = var.helpdesk_minutes >= 10
    error_message = "helpdesk_minutes must be at least 10: Entra issues no shorter pass."
  }
}

variable "one_time" {
  description = "Whether every pass stops working after its first sign-in."
  type        = bool
  default     = true
}
