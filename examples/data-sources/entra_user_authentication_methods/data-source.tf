# Step one of a recovery: what has the user registered?
data "entra_user_authentication_methods" "linus" {
  user_id = "linus.torvalds@contoso.com"
}

output "linus_methods" {
  value = [for m in data.entra_user_authentication_methods.linus.methods : "${m.type}: ${coalesce(m.display_name, m.phone_type, m.email_address, m.id)}"]
}

output "linus_has_a_pass" {
  value = data.entra_user_authentication_methods.linus.temporary_access_pass != null
}
