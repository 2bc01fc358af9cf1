# Terraform 1.5+: import with a block, then `terraform plan` shows the
# mapping as Autotask holds it.
import {
  to = petra_autotask_billing_mapping.tenant["ZZk90t"]
  id = "ZZk90t/29684012"
}
