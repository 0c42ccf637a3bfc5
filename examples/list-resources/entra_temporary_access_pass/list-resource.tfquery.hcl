# Terraform 1.14 or later: `terraform query` lists the members of a group who hold a pass.
list "entra_temporary_access_pass" "cohort" {
  provider = entra
  config {
    group_id = "1b2c3d4e-5f60-4718-9a0b-c1d2e3f4a5b6"
  }
}
