# Terraform 1.14 or later. During a helpdesk call:
#   terraform apply -invoke=action.entra_user_authentication_methods_remove.lost_key
action "entra_user_authentication_methods_remove" "lost_key" {
  config {
    user_id      = "linus.torvalds@contoso.com"
    method_types = ["fido2", "microsoftAuthenticator"]
  }
}
