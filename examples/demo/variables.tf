# Ids the emulated tenant assigned to the seeded users and groups; the emulator writes them to
# seed.auto.tfvars.json (-seed-tfvars). Against a real tenant they would come from azuread data sources.
variable "tenant_domain" { type = string }
variable "ada_id" { type = string }
variable "ada_upn" { type = string }
variable "grace_id" { type = string }
variable "grace_upn" { type = string }
variable "linus_id" { type = string }
variable "linus_upn" { type = string }
variable "breakglass_id" { type = string }
variable "breakglass_upn" { type = string }
variable "new_starters_group_id" { type = string }
variable "staff_group_id" { type = string }

variable "hire_start" {
  description = "08:00 on Ada's first day, with the local UTC offset (RFC 3339)."
  type        = string
}

variable "delivery_dir" {
  description = "Stand-in for a secure channel (a vault, a sealed e-mail): where passes are delivered."
  type        = string
}
