# terraform test (or tofu test) against the local emulated tenant: see docs/guides/testing-modules-offline.md.
# The emulator is started with `-seed tests/tenant.json -seed-tfvars <file>`, and that file is passed with
# -var-file: it holds the ids Graph assigned (new_starters_group_id, breakglass_id, ada_upn, joan_upn, ...).
# The provider reads its connection from the emulator's env file (ARM_* variables and SSL_CERT_FILE).
# Terraform 1.15 warns that those variables have no `variable` block here; Terraform before 1.15 and
# OpenTofu reject such blocks in test files, so there are none.

variables {
  new_starter_group_ids = [var.new_starters_group_id]
  break_glass_user_ids  = [var.breakglass_id]
  new_hires             = [var.ada_upn, var.joan_upn]
}

# Mistakes in the inputs fail the plan, before anything is written.
run "rejects_a_day_one_pass_longer_than_30_days" {
  command = plan
  variables {
    day_one_hours = 721
  }
  expect_failures = [var.day_one_hours]
}

run "rejects_a_helpdesk_pass_longer_than_day_one" {
  command = plan
  variables {
    day_one_hours    = 1
    helpdesk_minutes = 90
  }
  expect_failures = [entra_temporary_access_pass_policy.this]
}

# The policy is written to the tenant, and the module tells who needs a pass on day one.
run "writes_the_policy" {
  assert {
    condition     = output.policy.default_lifetime_in_minutes == 480 && output.policy.maximum_lifetime_in_minutes == 480
    error_message = "A day-one pass lasts 8 hours by default: ${jsonencode(output.policy)}"
  }
  assert {
    condition     = output.policy.minimum_lifetime_in_minutes == 10 && output.policy.is_usable_once
    error_message = "Helpdesk passes last at least 10 minutes and every pass is one-time: ${jsonencode(output.policy)}"
  }
  assert {
    condition     = output.new_hires_without_methods == tolist([var.ada_upn])
    error_message = "Only Ada has registered nothing yet (Joan set up her phone): ${jsonencode(output.new_hires_without_methods)}"
  }
  assert {
    condition     = length(output.new_hires_holding_a_pass) == 0
    error_message = "Nobody holds a pass yet."
  }
}

# What the tenant really holds now, read back through the policy data source in a helper module.
run "the_tenant_excludes_the_break_glass_account" {
  module {
    source = "./tests/read-policy"
  }
  assert {
    condition     = data.entra_temporary_access_pass_policy.current.enabled
    error_message = "The policy must be enabled."
  }
  assert {
    condition     = [for t in data.entra_temporary_access_pass_policy.current.exclude_targets : t.id] == [var.breakglass_id]
    error_message = "The break-glass account must be excluded: ${jsonencode(data.entra_temporary_access_pass_policy.current.exclude_targets)}"
  }
  assert {
    condition     = [for t in data.entra_temporary_access_pass_policy.current.include_targets : t.id] == [var.new_starters_group_id]
    error_message = "Only the new starters may be issued a pass: ${jsonencode(data.entra_temporary_access_pass_policy.current.include_targets)}"
  }
}

# A change of input is a change of the policy in place; the test then destroys everything, which resets the
# tenant's policy to Microsoft's defaults.
run "a_shorter_day_one_pass" {
  variables {
    day_one_hours = 4
    one_time      = false
  }
  assert {
    condition     = output.policy.default_lifetime_in_minutes == 240 && !output.policy.is_usable_once
    error_message = "The policy must follow the inputs: ${jsonencode(output.policy)}"
  }
}
