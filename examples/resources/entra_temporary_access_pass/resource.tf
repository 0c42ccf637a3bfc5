# Onboarding: the pass starts at 08:00 in Paris on the hire date and lasts the working day. The provider mails it
# to the new hire's manager and writes it into the onboarding vault in the step that issues it; the state records
# where it went, never the pass. A plan checks everything and issues nothing; a re-apply sends nothing; a
# delivery that fails revokes the pass.
resource "entra_temporary_access_pass" "onboarding" {
  user_id             = "ada.lovelace@contoso.com"
  start_date_time     = "2026-12-07T08:00:00+01:00"
  lifetime_in_minutes = 480

  delivery = {
    email = {
      sender     = "onboarding@contoso.com" # a mailbox the provider's app may send as (Mail.Send)
      to_manager = true
      time_zone  = "Europe/Paris"
    }
    key_vault = {
      vault_uri   = "https://contoso-onboarding.vault.azure.net/"
      secret_name = "tap-ada-lovelace"
    }
  }
}
