# Terraform 1.5+: import with a block, then `terraform plan` shows the mapping.
import {
  to = petra_autotask_tenant_mapping.harbor_dental
  id = "ZZk90t/1001"
}
