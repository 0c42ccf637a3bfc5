# A pass tracked in state: revoked on destroy, re-issued if it is replaced outside Terraform, readable by an
# administrator with `terraform output -raw linus_pass`. Prefer the ephemeral resource when the pass can go
# straight to a write-only argument: this one stores the pass in state.
resource "entra_temporary_access_pass" "linus" {
  user_id             = "linus.torvalds@contoso.com"
  lifetime_in_minutes = 10
  is_usable_once      = true

  # Linus lost his security key and his phone: remove them, or he is prompted for them right after the pass.
  remove_methods = ["fido2", "microsoftAuthenticator"]
}

output "linus_pass" {
  value     = entra_temporary_access_pass.linus.temporary_access_pass
  sensitive = true
}
