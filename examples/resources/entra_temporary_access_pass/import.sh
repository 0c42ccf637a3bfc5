# <user object id>/<pass id>, both shown by the entra_user_authentication_methods data source.
# The pass value itself cannot be imported: Graph never returns it after creation.
terraform import entra_temporary_access_pass.onboarding 7a3c1f2e-8b4d-4e5f-9a6b-1c2d3e4f5a6b/6f1967b7-15e8-4935-ac26-d50770ed07a7
