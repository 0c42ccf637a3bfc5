# A pass kept in the state, without a delivery: an administrator reads it with `terraform output -raw linus_pass`.
# Anyone who can read the state can sign in as the user until the pass expires: prefer a delivery.
resource "entra_temporary_access_pass" "linus" {
  user_id             = "linus.torvalds@contoso.com"
  lifetime_in_minutes = 10
  is_usable_once      = true

  # Linus lost his security key and his phone: removed once the pass exists, or he is prompted for them.
  remove_methods = ["fido2", "microsoftAuthenticator"]
}

output "linus_pass" {
  value     = entra_temporary_access_pass.linus.temporary_access_pass
  sensitive = true
}
