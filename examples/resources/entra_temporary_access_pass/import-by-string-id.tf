# Import an existing pass by <user object id>/<pass id>. An imported pass has no value in state: Graph never
# returns it again, and no delivery is made for it.
import {
  to = entra_temporary_access_pass.onboarding
  id = "7a3c1f2e-8b4d-4e5f-9a6b-1c2d3e4f5a6b/6f1967b7-15e8-4935-ac26-d50770ed07a7"
}
