# Import by identity (Terraform 1.12 and later): the user's object id and the pass's id.
import {
  to = entra_temporary_access_pass.recovery
  identity = {
    user_object_id = "7a3c1f2e-8b4d-4e5f-9a6b-1c2d3e4f5a6b"
    id             = "6f1967b7-15e8-4935-ac26-d50770ed07a7"
  }
}

# The configuration may name the user by user principal name: it is the same user, so no change.
resource "entra_temporary_access_pass" "recovery" {
  user_id = "linus.torvalds@contoso.com"
}
