# Ids the emulated tenant assigned to the seeded users, groups and vault; the emulator writes them to
# seed.auto.tfvars.json (-seed-tfvars). Against a real tenant they would come from azuread data sources.
variable "tenant_domain" { type = string }
variable "ada_id" { type = string }
variable "ada_upn" { type = string }
variable "ada_mail" { type = string }
variable "margaret_id" { type = string }
variable "margaret_upn" { type = string }
variable "margaret_mail" { type = string }
variable "bob_id" { type = string }
variable "bob_upn" { type = string }
variable "grace_id" { type = string }
variable "grace_upn" { type = string }
variable "grace_mail" { type = string }
variable "linus_id" { type = string }
variable "linus_upn" { type = string }
variable "onboarding_id" { type = string }
variable "onboarding_upn" { type = string }
variable "onboarding_mail" { type = string }
variable "helpdesk_id" { type = string }
variable "helpdesk_upn" { type = string }
variable "helpdesk_mail" { type = string }
variable "breakglass_id" { type = string }
variable "breakglass_upn" { type = string }
variable "new_starters_group_id" { type = string }
variable "staff_group_id" { type = string }
variable "onboarding_vault_name" { type = string }
variable "onboarding_vault_uri" { type = string }

variable "hire_start" {
  description = "08:00 on Ada's first day, with the local UTC offset (RFC 3339)."
  type        = string
}

variable "delivery_dir" {
  description = "Where the stand-in write-only consumer keeps the contractor's pass."
  type        = string
}
