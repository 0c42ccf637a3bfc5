# A helpdesk call: Linus lost his phone. The technician runs
#   terraform apply -invoke=action.entra_temporary_access_pass_issue.lost_phone
# The action checks the request, issues a 10-minute one-time pass, mails it to the helpdesk, and only then removes
# the lost methods, reporting each step. Nothing is stored in the state.
action "entra_temporary_access_pass_issue" "lost_phone" {
  config {
    user_id             = "linus.torvalds@contoso.com"
    lifetime_in_minutes = 10
    is_usable_once      = true
    remove_methods      = ["microsoftAuthenticator", "phone"]
    delivery = {
      email = {
        sender = "helpdesk@contoso.com"
        to     = ["helpdesk@contoso.com"]
      }
    }
  }
}
