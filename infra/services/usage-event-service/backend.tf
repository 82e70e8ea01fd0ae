# Partial configuration: a backend block cannot read variables, so bucket, key and region come
# from `terraform init -backend-config=backend.hcl` (see backend.hcl.example and infra/README.md).
# State bucket: <project_name>-<environment>-usage-event-service-state
# State key:    tf-infra/<environment>.tfstate
terraform {
  backend "s3" {}
}
